import { setTimeout as sleep } from 'node:timers/promises';
import type { FeedEntry } from '@wamesh/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './attempt.ts';
import { Circuit } from './circuit.ts';
import { type Item, KeyScheduler, type SchedulerOptions } from './scheduler.ts';

// The scheduler alone, with an in-process endpoint: what it may send when, whatever the
// endpoint answers. The HTTP side is attempt.ts, tested with real servers in relay.test.ts.

const entry = (key: string, seq: number, extra: Partial<FeedEntry> = {}): FeedEntry => ({
  id: `${key}#${seq}`,
  kind: 'status.advanced',
  key,
  seq,
  region: 'eu',
  receivedAt: Date.now(),
  committedAt: Date.now(),
  event: {},
  ...extra,
});

function scheduler(attempt: (item: Item) => Promise<AttemptOutcome>, opts: Partial<SchedulerOptions> = {}) {
  const finished: Item[] = [];
  const dead: Item[] = [];
  let settledAll: () => void = () => {};
  const s = new KeyScheduler({
    concurrency: 8,
    holdMs: 0,
    maxAttempts: 1_000,
    maxAgeMs: 60_000,
    retryInitialMs: 1,
    retryMaxMs: 4,
    onDeadLetter: 'block',
    circuit: new Circuit({ failures: 1_000, cooldownMs: 1, maxCooldownMs: 2 }),
    attempt,
    deadLetter: async (item) => {
      dead.push(item);
    },
    finished: (item) => {
      finished.push(item);
      settledAll();
    },
    ...opts,
  });
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      settledAll = () => finished.length >= n && resolve();
      settledAll();
    });
  return { s, finished, dead, until };
}

describe('relay scheduler - per-key FIFO', () => {
  it('property: any interleaving of keys, any answers: each key delivered in seq order, never two in flight for a key, within the concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
        fc.infiniteStream(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean())),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        async (sizes, answers, concurrency, picks) => {
          const keys = sizes.map((n, k) => ({ key: `k${k}`, n, next: 1 }));
          const total = sizes.reduce((a, b) => a + b, 0);
          const answer = answers[Symbol.iterator]();
          const inFlight = new Set<string>();
          const overlaps: string[] = [];
          let maxInFlight = 0;
          const delivered = new Map<string, number[]>();
          const { s, until } = scheduler(
            async (item) => {
              const k = item.entry.key;
              // Recorded, not thrown: the scheduler turns a throwing attempt into a retry.
              if (inFlight.has(k)) overlaps.push(k);
              inFlight.add(k);
              maxInFlight = Math.max(maxInFlight, inFlight.size);
              const [delay, fail] = answer.next().value!;
              await sleep(delay);
              inFlight.delete(k);
              if (fail) return { result: 'retry', reason: 'http 500', status: 500 };
              delivered.set(k, [...(delivered.get(k) ?? []), item.entry.seq]);
              return { result: 'ok', status: 200 };
            },
            { concurrency },
          );
          // Feed order: a random interleaving that keeps each key's own order (commit order).
          let cursor = 1;
          for (let i = 0; cursor <= total; i++) {
            const open = keys.filter((k) => k.next <= k.n);
            const k = open[(picks[i % picks.length] ?? 0) % open.length]!;
            s.push(cursor++, entry(k.key, k.next++));
          }
          await until(total);
          await s.close();
          expect(overlaps).toEqual([]);
          for (const k of keys) expect(delivered.get(k.key)).toEqual(Array.from({ length: k.n }, (_, i) => i + 1));
          expect(maxInFlight).toBeLessThanOrEqual(concurrency);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a key whose entry is refused blocks only itself; skip releases it, in order', async () => {
    const sent: string[] = [];
    const { s, finished, dead, until } = scheduler(async (item) => {
      sent.push(item.entry.id);
      return item.entry.id === 'bad#1' ? { result: 'final', reason: 'http 400', status: 400 } : { result: 'ok', status: 200 };
    });
    s.push(1, entry('bad', 1));
    s.push(2, entry('good', 1));
    s.push(3, entry('bad', 2));
    s.push(4, entry('good', 2));
    await until(2);
    await sleep(20);
    expect(finished.map((i) => i.entry.id)).toEqual(['good#1', 'good#2']);
    expect(dead.map((i) => i.entry.id)).toEqual(['bad#1']);
    expect(s.blockedItems().map((i) => i.entry.id)).toEqual(['bad#1']);
    expect(s.resolve('bad#1', 'skip')).toBe(true);
    await until(4);
    expect(finished.map((i) => i.entry.id)).toEqual(['good#1', 'good#2', 'bad#1', 'bad#2']);
    expect(sent.filter((id) => id.startsWith('bad'))).toEqual(['bad#1', 'bad#2']);
  });

  it('dead-letters after maxAttempts; with onDeadLetter skip the key goes on', async () => {
    const { s, finished, dead, until } = scheduler(
      async (item) => (item.entry.seq === 1 ? { result: 'retry', reason: 'http 503', status: 503 } : { result: 'ok', status: 200 }),
      { maxAttempts: 3, onDeadLetter: 'skip' },
    );
    s.push(1, entry('a', 1));
    s.push(2, entry('a', 2));
    await until(2);
    expect(dead.map((i) => [i.entry.id, i.attempts])).toEqual([['a#1', 3]]);
    expect(finished.map((i) => i.entry.id)).toEqual(['a#1', 'a#2']);
  });

  it('hold window: an older late message within the window goes first, flagged reordered; after it, as it came', async () => {
    const sent: FeedEntry[] = [];
    const { s, until } = scheduler(
      async (item) => {
        sent.push(item.entry);
        return { result: 'ok', status: 200 };
      },
      { holdMs: 150 },
    );
    const t0 = Date.now();
    s.push(1, entry('c', 1, { kind: 'message.received', whatsappTime: 110, committedAt: t0 }));
    s.push(2, entry('c', 2, { kind: 'message.late', whatsappTime: 100, committedAt: t0 + 20 }));
    await until(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(sent.map((e) => [e.seq, e.kind, e.flags?.reordered])).toEqual([
      [2, 'message.received', true],
      [1, 'message.received', undefined],
    ]);
    // Past the window: delivered as committed.
    const t1 = Date.now();
    s.push(3, entry('d', 1, { kind: 'message.received', whatsappTime: 210, committedAt: t1 - 200 }));
    s.push(4, entry('d', 2, { kind: 'message.late', whatsappTime: 200, committedAt: t1 }));
    await until(4);
    expect(sent.slice(2).map((e) => [e.seq, e.kind])).toEqual([
      [1, 'message.received'],
      [2, 'message.late'],
    ]);
  });

  it('an open circuit stops attempts until a probe succeeds, then resumes in order', async () => {
    let failing = true;
    const times: number[] = [];
    const { s, finished, until } = scheduler(
      async () => {
        times.push(Date.now());
        return failing ? { result: 'retry', reason: 'connection: ECONNREFUSED' } : { result: 'ok', status: 200 };
      },
      { circuit: new Circuit({ failures: 3, cooldownMs: 200, maxCooldownMs: 400 }), retryInitialMs: 1, retryMaxMs: 2 },
    );
    for (let i = 1; i <= 5; i++) s.push(i, entry('k', i));
    await sleep(90);
    // Three failures open it; nothing goes out during the cooldown (100-200 ms with jitter).
    expect(times.length).toBe(3);
    failing = false;
    await until(5);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(99);
    expect(finished.map((i) => i.entry.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
