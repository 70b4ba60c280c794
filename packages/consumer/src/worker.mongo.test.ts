// The consumer as a real process (main.ts) on a real nats-server with MONGODB_URI set: it
// picks the mongo store from its environment, and inverted events converge in MongoDB to
// core's reference join. Runs where a MongoDB replica set is reachable (CI sets MONGODB_URI;
// else Docker); elsewhere it prints why it is skipped, as the store's Mongo contract does.
import type { Envelope } from '@wamesh/core';
import { createStore, type StateStore } from '@wamesh/store';
import { describeSkipped, useMongo } from '@wamesh/store/testing';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import { BUSINESS, inboundEnvelope, loggedEvents, provisionRegion, publishAll, statusEnvelope } from './testkit.ts';
import { consumerTest, expectLoggedOnceAndJoined } from './testkit.vitest.ts';

const REGION = 'mongo-e2e';
const SHARDS = 4;
const T = 1_760_000_000;
const mongo = await useMongo();

if (mongo.skip !== undefined) describeSkipped('consumer e2e', `mongo (${mongo.label})`, mongo.skip);
else describeMongoEndToEnd();

function describeMongoEndToEnd(): void {
  describe(`consumer e2e: mongo (${mongo.label})`, () => {
    const db = mongo.database(`e2e${Date.now().toString(36)}${process.pid.toString(36)}`);
    let store: StateStore;

    beforeAll(async () => {
      // The test reads what the consumer process wrote, through the same adapter.
      store = createStore({ mongodbUri: mongo.uri(), mongodbDb: db });
      await store.init();
    });
    afterAll(async () => {
      await store?.close();
    });

    const status = (id: string, s: 'sent' | 'delivered' | 'read', timestamp: number) =>
      statusEnvelope({ id, status: s, timestamp }, SHARDS, { region: REGION });
    const inbound = (id: string, timestamp: number) =>
      inboundEnvelope({ id, from: '5511987654321', timestamp, text: id, name: 'Ana' }, SHARDS, { region: REGION });

    consumerTest('e2e mongo - newer events first, older after: read and the newer inbound win, the rest is logged stale', async ({
      nc,
      spawnConsumer,
    }) => {
      await provisionRegion(nc, REGION, SHARDS);
      const consumer = await spawnConsumer({
        WAMESH_REGION: REGION,
        WAMESH_SHARDS: String(SHARDS),
        MONGODB_URI: mongo.uri(),
        MONGODB_DB: db,
        BATCH_MAX_WAIT_MS: '20',
        LOG_LEVEL: 'warn',
      });
      await vi.waitFor(async () => expect((await consumer.get('/readyz'))?.status, consumer.output()).toBe(200), {
        timeout: 30_000,
        interval: 100,
      });

      const wamid = 'wamid.mongo.read-first';
      const newer: Envelope[] = [status(wamid, 'read', T + 10), inbound('wamid.mongo.in-later', T + 20)];
      const older: Envelope[] = [status(wamid, 'delivered', T + 5), status(wamid, 'sent', T), inbound('wamid.mongo.in-earlier', T)];
      const all = [...newer, ...older];
      const logged = () => loggedEvents(store, all.map((e) => e.event.wamid)).then((ids) => ids.length);
      // The newer ones are applied before the older ones arrive: the older ones are inversions.
      await publishAll(nc, newer);
      await expect.poll(logged).toBe(newer.length);
      await publishAll(nc, older);
      await expect.poll(logged).toBe(all.length);

      await expectLoggedOnceAndJoined(store, all);
      expect((await store.timeline(wamid)).map((e) => [e.status, e.outcome])).toEqual([
        ['sent', 'stale'],
        ['delivered', 'stale'],
        ['read', 'applied'],
      ]);
      expect(await store.getConversation(BUSINESS, '5511987654321')).toMatchObject({ last: { wamid: 'wamid.mongo.in-later' } });
      expect((await store.timeline('wamid.mongo.in-earlier'))[0]).toMatchObject({ outcome: 'stale' });

      // SIGTERM: in-flight batches settled, the Mongo client closed, exit 0.
      consumer.child.kill('SIGTERM');
      expect(await consumer.exited, consumer.output()).toBe(0);
    });
  });
}
