import type { NatsConnection } from '@nats-io/nats-core';
import { type BusLogger, silentLogger } from '@wamesh/bus';
import { describe, expect } from 'vitest';
import { createDeliveryRecorder, type DeliveryRecord, readDeliveryRecords } from './delivery-records.ts';
import { createFeed, feedEntry, relayTest } from './testkit.ts';

// Real nats-server, real HTTP receivers; the records are read back as `wamesh trace` reads them.

const recordsOf = async (nc: NatsConnection, ids: string[]) => Object.fromEntries((await readDeliveryRecords(nc, ids)) ?? []);

describe('relay - delivery records', () => {
  // First: no relay has run on this server yet, so there is no deliveries bucket.
  relayTest('without a deliveries bucket (no relay ever ran here) there is nothing to read', async ({ nc }) => {
    expect(await readDeliveryRecords(nc, ['e1'])).toBeUndefined();
  });

  relayTest('records beyond the queue bound are dropped, a batch that cannot be written (no bucket yet) is dropped: each logged once', async ({ nc }) => {
    const warnings: object[] = [];
    const logger: BusLogger = { ...silentLogger, warn: (o) => void warnings.push(o) };
    const recorder = createDeliveryRecorder(nc, logger, { flushMs: 10, maxQueued: 2 });
    const rec: DeliveryRecord = { outcome: 'delivered', endpoint: 'ep', entryId: 'e1', attempts: 1, firstAttemptAt: 1, lastAttemptAt: 1, status: 200, latencyMs: 5 };
    recorder.record(rec);
    recorder.record({ ...rec, entryId: 'e2' });
    recorder.record({ ...rec, entryId: 'e3' });
    // A later record of a queued entry replaces it, even with the queue full.
    recorder.record({ ...rec, attempts: 2 });
    await recorder.close();
    expect(warnings).toEqual([expect.objectContaining({ dropped: 1 }), expect.objectContaining({ records: 2 })]);
  });

  relayTest('records each entry once it is done with: delivered after a 500 (attempts, status, latency, attempt times), dead-lettered on a 400 (status, reason)', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    const retried = feedEntry('conv:1000:r', 1);
    const refused = feedEntry('conv:1000:x', 1);
    const plain = feedEntry('conv:1000:p', 1);
    r.answer = (e, nth) => ({ status: e.id === refused.id ? 400 : e.id === retried.id && nth === 1 ? 500 : 200 });
    await feed.publish(retried, refused, plain);
    const { name } = await relayFor(feed, { url: r.url });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(2);

    const ids = [retried.id, refused.id, plain.id];
    await expect.poll(async () => Object.keys(await recordsOf(nc, ids)).length, { timeout: 5_000 }).toBe(3);
    const got = await recordsOf(nc, ids);
    const [delivered] = got[retried.id] as [DeliveryRecord & { outcome: 'delivered' }];
    expect(delivered).toMatchObject({ outcome: 'delivered', endpoint: name, entryId: retried.id, attempts: 2, status: 200 });
    const [first, second] = r.deliveries.filter((d) => d.entry.id === retried.id);
    // Attempt times bracket the receiver's answers; commit→2xx at least the time between the two attempts.
    expect(delivered.firstAttemptAt).toBeLessThanOrEqual(first!.at);
    expect(delivered.lastAttemptAt).toBeGreaterThan(first!.at);
    expect(delivered.lastAttemptAt).toBeLessThanOrEqual(second!.at);
    expect(delivered.latencyMs).toBeGreaterThanOrEqual(delivered.lastAttemptAt - delivered.firstAttemptAt);
    expect(got[refused.id]).toEqual([
      { outcome: 'dead-lettered', endpoint: name, entryId: refused.id, attempts: 1, status: 400, reason: 'http 400', firstAttemptAt: expect.any(Number), lastAttemptAt: expect.any(Number) },
    ]);
    expect(got[plain.id]).toMatchObject([{ outcome: 'delivered', attempts: 1, status: 200 }]);
  });

  relayTest('an entry delivered to two endpoints has a record of each, in endpoint order', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const [a, b] = [await receiver(), await receiver()];
    b.answer = () => ({ status: 204 });
    const e = feedEntry('conv:1000:both', 1);
    await feed.publish(e);
    const first = await relayFor(feed, { url: a.url }, 'both-a');
    await expect.poll(() => a.accepted().length, { timeout: 10_000 }).toBe(1);
    // Relays share the feed's partitions through leases: the first steps down first.
    await first.relay.stop();
    await relayFor(feed, { url: b.url }, 'both-b');
    await expect.poll(async () => ((await recordsOf(nc, [e.id]))[e.id] ?? []).map((d: DeliveryRecord) => [d.endpoint, d.outcome, 'status' in d && d.status]), { timeout: 10_000 }).toEqual([
      ['both-a', 'delivered', 200],
      ['both-b', 'delivered', 204],
    ]);
  });
});
