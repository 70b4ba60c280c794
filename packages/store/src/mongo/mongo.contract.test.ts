import { describeStoreContract } from '../contract/suite.ts';
import { useMongo } from '../testing/mongo.ts';
import { MongoStore } from './store.ts';

const mongo = await useMongo();

describeStoreContract(
  `mongo (${mongo.label})`,
  () => ({
    async open(ns: string) {
      // Its own client per store: two opens are two writers, as two regions would be.
      const store = new MongoStore({ uri: mongo.uri(), db: mongo.database(ns), eventTtlSeconds: 30 * 86_400 });
      await store.init();
      return store;
    },
  }),
  mongo.skip !== undefined ? { skip: mongo.skip } : {},
);
