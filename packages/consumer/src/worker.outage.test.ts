// A store outage (the kv store's own nats-server stopped) leads to redelivery, not loss:
// nothing is acked that was not stored, and once the store is back every event lands once.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Envelope } from '@wamesh/core';
import { describe, expect } from 'vitest';
import { inboundEnvelope, loggedEvents, provisionRegion, publishAll, shardTotals, statusEnvelope, startTestWorker } from './testkit.ts';
import { consumerTest as test, expectLoggedOnceAndJoined } from './testkit.vitest.ts';

const REGION = 'outage';
const SHARDS = 2;
const T = 1_760_000_000;

function events(tag: string, n: number): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    out.push(statusEnvelope({ id: `wamid.${tag}.${i % 10}`, status: i % 2 ? 'read' : 'delivered', timestamp: T + i }, SHARDS, { region: REGION }));
    if (i % 5 === 0) out.push(inboundEnvelope({ id: `wamid.${tag}.in.${i}`, from: `49151${i % 3}`, timestamp: T + i }, SHARDS, { region: REGION }));
  }
  return out;
}

const totals = (jsm: JetStreamManager) => shardTotals(jsm, REGION, SHARDS);

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

describe('worker store outage', () => {
  test('worker - the store goes away: batches are nak\'d, never acked; it comes back: redelivered and stored once', async ({
    nc,
    jsm,
    storeNats,
    storeNc,
  }) => {
    await provisionRegion(nc, REGION, SHARDS);
    const w = await startTestWorker({ nc, storeNc, region: REGION, shards: SHARDS, prefix: 'outage', maxDeliveries: 50 });
    try {
      const before = events('a', 40);
      await publishAll(nc, before);
      await expect.poll(async () => (await loggedEvents(w.store, before.map((e) => e.event.wamid))).length, { message: 'first half stored' }).toBe(before.length);

      const server = storeNats.servers[0]!;
      await server.stop();
      const during = events('b', 40);
      await publishAll(nc, during);
      const scrape = async () => (await w.worker.http.inject('/metrics')).body;
      await expect
        .poll(async () => metric(await scrape(), /wamesh_consumer_dispositions_total\{disposition="nak"[^}]*\} (\d+)/), { timeout: 30_000, message: 'naks' })
        .toBeGreaterThan(0);
      const ready = await w.worker.http.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { store: 'failing' } });
      // Nothing of the second half was acked: all of it is still pending or out for redelivery.
      const t = await totals(jsm);
      expect(t.pending + t.ackPending).toBe(during.length);

      await server.start();
      await server.waitHealthy();
      await expect.poll(() => totals(jsm), { timeout: 60_000, message: 'drained' }).toMatchObject({ pending: 0, ackPending: 0 });
      await expectLoggedOnceAndJoined(w.store, [...before, ...during]);
      const text = await scrape();
      expect(metric(text, /wamesh_consumer_dispositions_total\{disposition="dead"[^}]*\} (\d+)/)).toBe(0);
      expect((await w.worker.http.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await w.stop();
    }
  }, 120_000);
});
