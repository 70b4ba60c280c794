import { setTimeout as sleep } from 'node:timers/promises';
import { Kvm } from '@nats-io/kv';
import { describe, expect } from 'vitest';
import { decideDeadLetter, listDeadLetters } from './dead-letters.ts';
import { createFeed, feedEntry, relayTest } from './testkit.ts';
import { RELAY_BUCKET } from './topology.ts';

// Real nats-server, real HTTP receivers on 127.0.0.1 that verify every signature.

/** n entries for each of `keys`, interleaved round-robin (the feed's commit order). */
function interleaved(keys: string[], n: number) {
  return Array.from({ length: n }, (_, i) => keys.map((k) => feedEntry(k, i + 1))).flat();
}

const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('relay - delivery over HTTP', () => {
  relayTest('delivers each key in seq order, never two in flight for a key, signed, with trace context; passes over an undecodable record', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    r.answer = () => ({ status: 200, delayMs: Math.floor(Math.random() * 8) });
    const keys = Array.from({ length: 12 }, (_, i) => `conv:1000:49${i}`);
    await feed.publish(...interleaved(keys.slice(0, 6), 5), 'not json', ...interleaved(keys.slice(6), 5));
    await relayFor(feed, { url: r.url, concurrency: 4 });
    await expect.poll(() => r.accepted().length, { timeout: 20_000 }).toBe(60);
    expect(r.overlaps).toEqual([]);
    expect(r.rejectedSignatures).toEqual([]);
    for (const k of keys) expect(r.byKey().get(k)).toEqual(seqs(5));
    const d = r.deliveries[0]!;
    expect(d.headers['webhook-id']).toBe(d.entry.id);
    expect(d.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-0[01]$/);
  });

  relayTest('an endpoint answering 500 for a while, then 200: nothing lost, order kept', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    const until = Date.now() + 800;
    r.answer = () => ({ status: Date.now() < until ? 500 : 200 });
    const keys = ['a', 'b', 'c', 'd'];
    await feed.publish(...interleaved(keys, 6));
    await relayFor(feed, { url: r.url, circuitFailures: 5, circuitCooldownMs: 100 });
    await expect.poll(() => r.accepted().length, { timeout: 20_000 }).toBe(24);
    expect(r.deliveries.some((d) => d.status === 500)).toBe(true);
    for (const k of keys) expect(r.byKey().get(k)).toEqual(seqs(6));
    expect(r.overlaps).toEqual([]);
  });

  relayTest('a key the endpoint rejects (400) does not delay the others; it waits in the dead letters until skipped', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    const bad = feedEntry('bad', 1);
    r.answer = (e) => ({ status: e.id === bad.id ? 400 : 200 });
    await feed.publish(bad, ...interleaved(['x', 'y'], 3), feedEntry('bad', 2), feedEntry('bad', 3));
    const { name } = await relayFor(feed, { url: r.url });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(6);
    expect(r.byKey().get('x')).toEqual(seqs(3));
    expect(r.byKey().get('bad')).toBeUndefined();
    // A 4xx is final: one attempt, then the dead letters; the key's later entries wait.
    expect(r.deliveries.filter((d) => d.entry.key === 'bad')).toHaveLength(1);
    await expect.poll(async () => (await listDeadLetters(nc, name)).map((d) => [d.entry.id, d.reason]), { timeout: 5_000 }).toEqual([[bad.id, 'http 400']]);
    await decideDeadLetter(await new Kvm(nc).open(RELAY_BUCKET), name, bad.id, 'skip');
    await expect.poll(() => r.byKey().get('bad'), { timeout: 5_000 }).toEqual([2, 3]);
  });

  relayTest('a replayed dead letter that fails again is dead-lettered again, listed, and its key stays blocked', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    const bad = feedEntry('again', 1);
    r.answer = (e) => ({ status: e.id === bad.id ? 400 : 200 });
    await feed.publish(bad, feedEntry('again', 2));
    const { name } = await relayFor(feed, { url: r.url });
    const listed = async () => (await listDeadLetters(nc, name)).filter((d) => d.entry.id === bad.id).length;
    await expect.poll(listed, { timeout: 5_000 }).toBe(1);
    // Replayed within the stream's duplicate window, and still refused.
    await decideDeadLetter(await new Kvm(nc).open(RELAY_BUCKET), name, bad.id, 'replay');
    await expect.poll(() => r.deliveries.filter((d) => d.entry.id === bad.id).length, { timeout: 5_000 }).toBe(2);
    await expect.poll(listed, { timeout: 5_000 }).toBe(2);
    expect(r.byKey().get('again')).toBeUndefined();
  });

  relayTest('honours Retry-After on 429', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    r.answer = (_e, nth) => (nth === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    const [e] = [feedEntry('rl', 1)];
    await feed.publish(e!);
    await relayFor(feed, { url: r.url, retryInitialMs: 10, retryMaxMs: 20 });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(1);
    const [first, second] = r.deliveries;
    expect(first!.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  relayTest('hold window: an older message.late inside the window is delivered first, flagged reordered', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    const now = Date.now();
    const newer = feedEntry('conv:1000:7', 1, { kind: 'message.received', whatsappTime: 1_700_000_010, committedAt: now });
    const older = feedEntry('conv:1000:7', 2, { kind: 'message.late', whatsappTime: 1_700_000_005, committedAt: now + 50, flags: { late: true } });
    await feed.publish(newer, older);
    await relayFor(feed, { url: r.url, holdMs: 1_500 });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(2);
    expect(r.accepted().map((e) => [e.id, e.kind, e.flags?.reordered])).toEqual([
      [older.id, 'message.received', true],
      [newer.id, 'message.received', undefined],
    ]);
  });

  relayTest('a relay stopped and started again resumes from its cursor: nothing re-sent, nothing lost', async ({ nc, relays: { receiver, relayFor } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    await feed.publish(...interleaved(['p', 'q'], 5));
    const first = await relayFor(feed, { url: r.url });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(10);
    await first.relay.stop();
    await feed.publish(...[6, 7, 8].flatMap((i) => [feedEntry('p', i), feedEntry('q', i)]));
    await relayFor(feed, { url: r.url }, first.name);
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBe(16);
    await sleep(200);
    expect(r.accepted()).toHaveLength(16);
    expect(r.byKey().get('p')).toEqual(seqs(8));
    expect(new Set(r.accepted().map((e) => e.id)).size).toBe(16);
  });

  relayTest('a relay that dies mid-stream is taken over from the saved cursor: everything delivered, per-key order kept, repeats carry the same id', async ({ nc, relays: { receiver, relayFor, abandon } }) => {
    const feed = await createFeed(nc);
    const r = await receiver();
    r.answer = () => ({ status: 200, delayMs: 5 });
    const keys = ['m', 'n', 'o'];
    await feed.publish(...interleaved(keys, 20));
    const first = await relayFor(feed, { url: r.url, concurrency: 3 });
    await expect.poll(() => r.accepted().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(20);
    await abandon(first.relay);
    const before = r.accepted().length;
    await relayFor(feed, { url: r.url, concurrency: 3 }, first.name);
    await expect.poll(() => new Set(r.accepted().map((e) => e.id)).size, { timeout: 15_000 }).toBe(60);
    const repeats = r.accepted().length - 60;
    expect(repeats).toBeLessThan(before);
    for (const k of keys) {
      const got = r.byKey().get(k)!;
      // One restart: a run in order, then the rest in order from where the cursor stood.
      const restart = got.findIndex((seq, i) => i > 0 && seq <= got[i - 1]!);
      const resumed = restart < 0 ? [] : got.slice(restart);
      expect(restart < 0 ? got : got.slice(0, restart)).toEqual(seqs(restart < 0 ? 20 : restart));
      expect(resumed).toEqual(seqs(20).slice((resumed[0] ?? 21) - 1));
    }
  });
});
