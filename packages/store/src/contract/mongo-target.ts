// Where the Mongo contract runs: MONGODB_URI when given, else a mongo:7 single-node replica
// set in Docker (testcontainers), else nowhere, with the reason. The only place the store's
// tests read the environment.
import { getContainerRuntimeClient } from 'testcontainers';

export type MongoSource =
  | { kind: 'uri'; uri: string }
  | { kind: 'docker'; image: string }
  | { kind: 'none'; reason: string };

export const MONGO_IMAGE = 'mongo:7';

export async function mongoSource(): Promise<MongoSource> {
  const uri = process.env['MONGODB_URI'];
  if (uri) return { kind: 'uri', uri };
  try {
    await getContainerRuntimeClient();
    return { kind: 'docker', image: MONGO_IMAGE };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { kind: 'none', reason: `no MongoDB here: MONGODB_URI is not set and Docker is not available (${why})` };
  }
}

/** A single-node replica set (transactions-capable, majority writes work) in Docker. */
export async function startMongoContainer(image: string): Promise<{ uri: string; stop: () => Promise<void> }> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(image).start();
  return { uri: `${container.getConnectionString()}/?directConnection=true`, stop: async () => void (await container.stop()) };
}
