// Consumer replicas as real processes (main.ts) sharing a region's shards through leases,
// scaled 1 → 3 → 2 → 1 while events keep arriving: the scale-down to 2 is graceful
// (SIGTERM), the one to 1 is a crash (SIGKILL). Every shard has exactly one owner at each
// steady state, the killed replica's shards move within 2 × the lease TTL, and in the end
// every event is logged exactly once and the state is core's reference join.
import { setTimeout as sleep } from 'node:timers/promises';
import { fairShare } from '@wamesh/bus';
import type { Envelope } from '@wamesh/core';
import { describe, expect } from 'vitest';
import { type ConsumerProcess, provisionRegion, publishAll, shardTotals, statusLifecycles } from './testkit.ts';
import { consumerTest, expectLoggedOnceAndJoined, spawnReplica, ownedShards as owned } from './testkit.vitest.ts';

const SHARDS = 8;
const TTL = 1_500;
const REGION = 'scale';
const T = 1_760_000_000;
// The store the replicas write (their default prefix), read back from the test.
const test = consumerTest.override('kvPrefix', 'wamesh');

/** 40 more lifecycles, from key `from` on. */
const lifecycles = (from: number) =>
  statusLifecycles({ tag: 'scale', from, keys: 40, shards: SHARDS, region: REGION, t0: T, seed: 11 + from });
const replica = (spawn: (env: Record<string, string>) => Promise<ConsumerProcess>) =>
  spawnReplica(spawn, { region: REGION, shards: SHARDS, leaseTtlMs: TTL, batchMaxWaitMs: 20 });

/** Each shard held by exactly one replica, and the counts are the fair shares. */
async function steady(rs: ConsumerProcess[]): Promise<boolean> {
  const each = await Promise.all(rs.map(owned));
  if (each.some((o) => o === undefined)) return false;
  const all = each.flatMap((o) => o!);
  if (all.length !== SHARDS || new Set(all).size !== SHARDS) return false;
  const ids = rs.map((_, i) => String(i));
  const want = ids.map((id) => fairShare(SHARDS, ids, id)).sort();
  return JSON.stringify(each.map((o) => o!.length).sort()) === JSON.stringify(want);
}

describe('worker scale', () => {
  test('worker - 1 → 3 → 2 → 1 replicas under load: one owner per shard, SIGKILL takeover within 2 × TTL, every event logged once, state = join', async ({
    nc,
    jsm,
    store,
    spawnConsumer,
  }) => {
    await provisionRegion(nc, REGION, SHARDS, 5_000, TTL);
    // Continuous load, paced (the scaling steps take as long as the machine needs): blocks
    // of 40 shuffled lifecycles, published 5 events at a time, until the scaling is over.
    const events: Envelope[] = [];
    let sent = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing || sent < events.length) {
        if (sent === events.length) events.push(...lifecycles(events.length));
        const chunk = events.slice(sent, sent + 5);
        await publishAll(nc, chunk);
        sent += chunk.length;
        await sleep(150);
      }
    })();

    const t0 = performance.now();
    const marks: [string, number, number][] = [];
    const mark = (what: string) => marks.push([what, Math.round(performance.now() - t0), sent]);
    const a = await replica(spawnConsumer);
    await expect.poll(() => steady([a]), { message: 'a holds every shard' }).toBe(true);
    mark('1 replica');

    const [b, c] = await Promise.all([replica(spawnConsumer), replica(spawnConsumer)]);
    mark('spawned 2 more');
    await expect.poll(() => steady([a, b, c]), { message: '3 replicas share the shards' }).toBe(true);
    mark('3 replicas');

    c.child.kill('SIGTERM');
    expect(await c.exited, c.output()).toBe(0);
    await expect.poll(() => steady([a, b]), { timeout: 3 * TTL, message: '2 replicas share the shards after a graceful stop' }).toBe(true);
    mark('2 replicas');

    const bShards = (await owned(b))!;
    expect(bShards.length).toBe(SHARDS / 2);
    b.child.kill('SIGKILL');
    const killedAt = performance.now();
    await b.exited;
    await expect.poll(() => steady([a]), { timeout: 4 * TTL, message: 'a took over every shard' }).toBe(true);
    const takeover = performance.now() - killedAt;
    mark('1 replica after SIGKILL');
    // The load really ran across the scaling.
    expect(marks.at(-1)![2], JSON.stringify(marks)).toBeGreaterThan(marks[0]![2]);
    expect(takeover, `takeover took ${Math.round(takeover)} ms`).toBeLessThan(2 * TTL);
    publishing = false;
    await publisher;
    expect(sent).toBe(events.length);
    expect(events.length).toBeGreaterThan(100);

    await expect
      .poll(() => shardTotals(jsm, REGION, SHARDS), { timeout: 60_000, message: 'every event settled' })
      .toMatchObject({ pending: 0, ackPending: 0 });

    // Nothing lost, nothing applied twice, state = the reference join.
    await expectLoggedOnceAndJoined(store, events);

    mark('settled and checked');
    if (process.env['LEASE_TIMINGS']) console.log(`takeover ${Math.round(takeover)} ms (TTL ${TTL}); steps ${JSON.stringify(marks)}`);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  }, 120_000);
});
