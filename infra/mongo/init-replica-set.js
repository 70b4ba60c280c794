// Run once by the compose service `mongo-init` (mongosh, authenticated as root on mongo1):
// initiates the three-member replica set, waits for a primary, makes majority the default
// write concern, and creates the application user. Idempotent, so a re-run is harmless.
const members = ['mongo1:27017', 'mongo2:27017', 'mongo3:27017'];

try {
  rs.status();
  print('replica set already initiated');
} catch (err) {
  if (err.codeName !== 'NotYetInitialized') throw err;
  // mongo1 is preferred as primary, so the writes below (made on mongo1) soon succeed.
  rs.initiate({ _id: 'rs0', members: members.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })) });
  print('replica set initiated');
}

// Writes below need a primary; elections take a few seconds.
for (let i = 0; !db.hello().isWritablePrimary; i++) {
  if (i > 120) throw new Error('no primary after 60s');
  sleep(500);
}

db.adminCommand({ setDefaultRWConcern: 1, defaultWriteConcern: { w: 'majority' } });

const appDb = db.getSiblingDB(process.env.MONGODB_DB || 'wamesh');
const user = process.env.MONGO_APP_USER;
const pwd = process.env.MONGO_APP_PASSWORD;
if (appDb.getUser(user) === null) {
  appDb.createUser({ user, pwd, roles: [{ role: 'readWrite', db: appDb.getName() }] });
  print(`created user ${user}`);
}
