// A store outage (the kv store's own nats-server stopped) leads to redelivery, not loss:
// nothing is acked that was not stored, and once the store is back every event lands once.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Envelope } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  inboundEnvelope,
  loggedEvents,
  provisionRegion,
  publishAll,
  shardTotals,
  statusEnvelope,
  startTestWorker,
  until,
} from './testkit.ts';
import { expectLoggedOnceAndJoined } from './testkit.vitest.ts';

const REGION = 'outage';
const SHARDS = 2;
const T = 1_760_000_000;
const bus = useNats(() => startServer({ name: 'bus' }));
const kv = useNats(() => startServer({ name: 'store' }));
let nc: NatsConnection;
let storeNc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await bus().connect();
  storeNc = await kv().connect();
  jsm = await jetstreamManager(nc);
  await provisionRegion(nc, REGION, SHARDS);
});

function events(tag: string, n: number): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    out.push(statusEnvelope({ id: `wamid.${tag}.${i % 10}`, status: i % 2 ? 'read' : 'delivered', timestamp: T + i }, SHARDS, { region: REGION }));
    if (i % 5 === 0) out.push(inboundEnvelope({ id: `wamid.${tag}.in.${i}`, from: `49151${i % 3}`, timestamp: T + i }, SHARDS, { region: REGION }));
  }
  return out;
}

const totals = () => shardTotals(jsm, REGION, SHARDS);

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

describe('worker store outage', () => {
  it('worker - the store goes away: batches are nak\'d, never acked; it comes back: redelivered and stored once', async () => {
    const w = await startTestWorker({ nc, storeNc, region: REGION, shards: SHARDS, prefix: 'outage', maxDeliveries: 50 });
    try {
      const before = events('a', 40);
      await publishAll(nc, before);
      await until('first half stored', async () => (await loggedEvents(w.store, before.map((e) => e.event.wamid))).length === before.length);

      const server = kv().servers[0]!;
      await server.stop();
      const during = events('b', 40);
      await publishAll(nc, during);
      const scrape = async () => (await w.worker.http.inject('/metrics')).body;
      await until('naks', async () => metric(await scrape(), /wamesh_consumer_dispositions_total\{disposition="nak"[^}]*\} (\d+)/) > 0, 30_000);
      const ready = await w.worker.http.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { store: 'failing' } });
      // Nothing of the second half was acked: all of it is still pending or out for redelivery.
      const t = await totals();
      expect(t.pending + t.ackPending).toBe(during.length);

      await server.start();
      await server.waitHealthy();
      await until('drained', async () => {
        const x = await totals();
        return x.pending === 0 && x.ackPending === 0;
      }, 60_000);
      await expectLoggedOnceAndJoined(w.store, [...before, ...during]);
      const text = await scrape();
      expect(metric(text, /wamesh_consumer_dispositions_total\{disposition="dead"[^}]*\} (\d+)/)).toBe(0);
      expect((await w.worker.http.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await w.stop();
    }
  }, 120_000);
});
