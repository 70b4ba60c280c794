// Recovery after a consumer dies holding un-acked events: two replicas as real processes
// (main.ts) share a region's shards; one is frozen mid-backlog while it holds delivered,
// un-acked events, then SIGKILLed. The other takes its shards over when the leases lapse,
// and since the shard consumers' ack wait is the lease TTL (regionTopology), the dead
// replica's events come back by then too: everything is applied within 2 × TTL of the
// freeze, not after a longer ack wait.
import type { JetStreamManager } from '@nats-io/jetstream';
import { streamNames } from '@wamesh/core';
import { describe, expect, vi } from 'vitest';
import { type ConsumerProcess, provisionRegion, publishAll, shardTotals, statusLifecycles } from './testkit.ts';
import { consumerTest, expectLoggedOnceAndJoined, spawnReplica, handledEvents as handled, ownedShards as owned } from './testkit.vitest.ts';

const SHARDS = 4;
const TTL = 3_000;
const REGION = 'failover';
const T = 1_760_000_000;
// The store the replicas write (their default prefix), read back from the test.
const test = consumerTest.override('kvPrefix', 'wamesh');

const replica = (spawn: (env: Record<string, string>) => Promise<ConsumerProcess>) =>
  spawnReplica(spawn, { region: REGION, shards: SHARDS, leaseTtlMs: TTL, batchMaxWaitMs: 0 });

/** Delivered and not yet acked on the given shards' consumers. */
async function ackPendingOn(jsm: JetStreamManager, shards: number[]): Promise<number> {
  let n = 0;
  for (const s of shards) n += (await jsm.consumers.info(streamNames(REGION).input, `shard-${s}`)).num_ack_pending;
  return n;
}

describe('worker failover', () => {
  test('worker - a replica SIGKILLed holding un-acked events: the other applies every event within 2 × lease TTL', async ({
    nc,
    jsm,
    store,
    spawnConsumer,
  }) => {
    // No ack wait given: provisioned as production is, from the lease TTL.
    await provisionRegion(nc, REGION, SHARDS, undefined, TTL);
    const info = await jsm.consumers.info(streamNames(REGION).input, 'shard-0');
    expect(info.config.ack_wait).toBe(TTL * 1e6);

    const [a, b] = await Promise.all([replica(spawnConsumer), replica(spawnConsumer)]);
    await expect
      .poll(async () => [(await owned(a))?.length, (await owned(b))?.length], { message: 'each replica holds half the shards' })
      .toEqual([SHARDS / 2, SHARDS / 2]);
    const aShards = (await owned(a))!;

    const events = statusLifecycles({ tag: 'failover', keys: 600, shards: SHARDS, region: REGION, t0: T, seed: 5 });
    await publishAll(nc, events);
    // Freeze `a` once it is busy, and kill it only while it holds delivered, un-acked events
    // (a frozen process renews nothing: the clock of the fault starts at the freeze).
    await expect.poll(() => handled(a), { timeout: 30_000, message: 'a is working through its shards' }).toBeGreaterThanOrEqual(50);
    let frozenAt = 0;
    let heldAtKill = 0;
    await vi.waitFor(
      async () => {
        a.child.kill('SIGSTOP');
        frozenAt = performance.now();
        heldAtKill = await ackPendingOn(jsm, aShards);
        if (heldAtKill === 0) a.child.kill('SIGCONT');
        expect(heldAtKill, 'a frozen while holding un-acked events').toBeGreaterThan(0);
      },
      { timeout: 20_000 },
    );
    a.child.kill('SIGKILL');
    await a.exited;

    await expect
      .poll(() => shardTotals(jsm, REGION, SHARDS), { timeout: 60_000, message: 'every event settled' })
      .toMatchObject({ pending: 0, ackPending: 0 });
    const recovery = performance.now() - frozenAt;
    expect((await owned(b))?.sort()).toEqual([...Array(SHARDS).keys()]);
    expect(recovery, `every event applied ${Math.round(recovery)} ms after the fault (TTL ${TTL} ms, ${heldAtKill} held)`).toBeLessThan(2 * TTL);
    await expectLoggedOnceAndJoined(store, events);
    if (process.env['LEASE_TIMINGS']) console.log(`recovery ${Math.round(recovery)} ms (TTL ${TTL} ms), ${heldAtKill} events held at the kill`);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 120_000);
});
