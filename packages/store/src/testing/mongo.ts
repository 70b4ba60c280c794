// MongoDB for the tests that need a server (the store's contract, the consumer's Mongo
// end-to-end run): MONGODB_URI when given (CI's replica set), else a single-node replica set
// in Docker (testcontainers), else none, with the reason. The only place tests read
// MONGODB_URI, so every Mongo test runs, or skips saying why, on the same terms.
import { MongoClient } from 'mongodb';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll } from 'vitest';

type MongoSource =
  | { kind: 'uri'; uri: string }
  | { kind: 'docker'; image: string }
  | { kind: 'none'; reason: string };

/** The major version compose and CI run. */
const MONGO_IMAGE = 'mongo:8.0';

async function mongoSource(): Promise<MongoSource> {
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
async function startMongoContainer(image: string): Promise<{ uri: string; stop: () => Promise<void> }> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(image).start();
  return { uri: `${container.getConnectionString()}/?directConnection=true`, stop: async () => void (await container.stop()) };
}

export interface TestMongo {
  /** Where the tests run, for suite names: `MongoDB at MONGODB_URI`, the image, or `MongoDB`. */
  label: string;
  /** Set when no server can run here: the reason to print and skip with. */
  skip?: string;
  /** The server's URI (inside tests and hooks). */
  uri(): string;
  /** Names a database the tests write to; on a shared server (MONGODB_URI) it is dropped after the file. */
  database(name: string): string;
}

/**
 * Chooses the server once per test file and, when one can run, starts it in beforeAll and
 * stops it (or drops the file's databases on a shared server) in afterAll.
 */
export async function useMongo(): Promise<TestMongo> {
  const source = await mongoSource();
  const databases = new Set<string>();
  let uri: string | undefined;
  let stopContainer: (() => Promise<void>) | undefined;
  if (source.kind !== 'none') {
    beforeAll(async () => {
      if (source.kind === 'uri') uri = source.uri;
      else ({ uri, stop: stopContainer } = await startMongoContainer(source.image));
    }, 180_000);
    afterAll(async () => {
      if (uri && source.kind === 'uri') {
        // A shared server: leave nothing behind.
        const client = await MongoClient.connect(uri);
        await Promise.all([...databases].map((db) => client.db(db).dropDatabase()));
        await client.close();
      }
      await stopContainer?.();
    });
  }
  const label =
    source.kind === 'uri'
      ? 'MongoDB at MONGODB_URI'
      : source.kind === 'docker'
        ? `${source.image} single-node replica set, testcontainers`
        : 'MongoDB';
  return {
    label,
    ...(source.kind === 'none' ? { skip: source.reason } : {}),
    uri() {
      if (!uri) throw new Error('MongoDB is not started (use it inside tests or hooks)');
      return uri;
    },
    database(name) {
      databases.add(name);
      return name;
    },
  };
}
