import { MongoClient } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { mongoSource, startMongoContainer } from '../contract/mongo-target.ts';
import { describeStoreContract } from '../contract/suite.ts';
import { MongoStore } from './store.ts';

const source = await mongoSource();

let uri: string | undefined;
let stopContainer: (() => Promise<void>) | undefined;
const databases = new Set<string>();

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

describeStoreContract(
  source.kind === 'uri'
    ? 'mongo (MongoDB at MONGODB_URI)'
    : source.kind === 'docker'
      ? `mongo (${source.image} single-node replica set, testcontainers)`
      : 'mongo (MongoDB)',
  () => ({
    async open(ns: string) {
      if (!uri) throw new Error('MongoDB is not started');
      databases.add(ns);
      // Its own client per store: two opens are two writers, as two regions would be.
      const store = new MongoStore({ uri, db: ns, eventTtlSeconds: 30 * 86_400 });
      await store.init();
      return store;
    },
  }),
  source.kind === 'none' ? { skip: source.reason } : {},
);
