// The consumer as a real process (main.ts): SIGKILL mid batch loses nothing and
// double-counts nothing after a restart; SIGTERM settles in-flight batches and exits 0.
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Envelope, seededRandom, shuffled } from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import { describe, expect, vi } from 'vitest';
import { type ConsumerProcess, provisionRegion, publishAll, shardTotals, statusEnvelope } from './testkit.ts';
import { consumerTest, expectLoggedOnceAndJoined, handledEvents } from './testkit.vitest.ts';

const SHARDS = 4;
const N_KEYS = 250;
// Short leases: the restarted process takes the killed one's shards over within seconds.
const LEASE_TTL_MS = 2_000;
const T = 1_760_000_000;
// The store the consumer processes write (their default prefix), read back from the test.
const test = consumerTest.override('kvPrefix', 'wamesh');

interface Ctx {
  nc: NatsConnection;
  jsm: JetStreamManager;
  store: StateStore;
  spawnConsumer(env: Record<string, string>): Promise<ConsumerProcess>;
}

async function startConsumer(ctx: Ctx, region: string): Promise<ConsumerProcess> {
  const c = await ctx.spawnConsumer({
    WAMESH_REGION: region,
    WAMESH_SHARDS: String(SHARDS),
    BATCH_SIZE: '40',
    BATCH_MAX_WAIT_MS: '0',
    MAX_DELIVERIES: '20',
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    LOG_LEVEL: 'warn',
  });
  await vi.waitFor(async () => expect((await c.get('/readyz'))?.status, `consumer on :${c.port} ready\n${c.output()}`).toBe(200), {
    timeout: 30_000,
  });
  return c;
}

const consumerTotals = (ctx: Ctx, region: string) => shardTotals(ctx.jsm, region, SHARDS);

/** Status lifecycles over N_KEYS wamids, shuffled (so inversions abound). */
function workload(region: string, tag: string): Envelope[] {
  const out: Envelope[] = [];
  const ladder = ['sent', 'delivered', 'read', 'failed'] as const;
  for (let k = 0; k < N_KEYS; k++) {
    const steps = k % 9 === 0 ? 4 : 1 + (k % 3);
    for (let i = 0; i < steps; i++) {
      out.push(statusEnvelope({ id: `wamid.${tag}.${k}`, status: ladder[i]!, timestamp: T + k + i * 2 }, SHARDS, { region }));
    }
  }
  return shuffled(out, seededRandom(7));
}

/** A region with a shuffled backlog and a first process that has handled a fifth of it. */
async function backlogHalfway(ctx: Ctx, region: string, tag: string): Promise<{ envelopes: Envelope[]; first: ConsumerProcess }> {
  await provisionRegion(ctx.nc, region, SHARDS, 2_000, LEASE_TTL_MS);
  const envelopes = workload(region, tag);
  await publishAll(ctx.nc, envelopes);
  const first = await startConsumer(ctx, region);
  await expect.poll(() => handledEvents(first), { timeout: 30_000, message: 'some events handled' }).toBeGreaterThanOrEqual(envelopes.length / 5);
  return { envelopes, first };
}

/** A second process finishes the backlog: everything settles, is logged once and joined; SIGTERM exits 0. */
async function finishWithSecond(ctx: Ctx, region: string, envelopes: Envelope[]): Promise<void> {
  const second = await startConsumer(ctx, region);
  await expect
    .poll(() => consumerTotals(ctx, region), { timeout: 60_000, message: 'all settled' })
    .toMatchObject({ pending: 0, ackPending: 0 });
  await expectLoggedOnceAndJoined(ctx.store, envelopes);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}

describe('worker crash and shutdown', () => {
  test('worker - SIGKILL mid batch, then a new process: nothing lost, nothing counted twice (event log = events sent)', async ({ nc, jsm, store, spawnConsumer }) => {
    const ctx: Ctx = { nc, jsm, store, spawnConsumer };
    const region = 'crash';
    const { envelopes, first } = await backlogHalfway(ctx, region, 'k');
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await consumerTotals(ctx, region);
    // The kill caught batches in flight: delivered, never acked.
    expect(atKill.ackPending).toBeGreaterThan(0);
    await finishWithSecond(ctx, region, envelopes);
  }, 120_000);

  test('worker - SIGTERM settles the in-flight batches and exits 0 with nothing left unacked; a new process finishes the rest', async ({ nc, jsm, store, spawnConsumer }) => {
    const ctx: Ctx = { nc, jsm, store, spawnConsumer };
    const region = 'drain';
    const { envelopes, first } = await backlogHalfway(ctx, region, 'd');
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(await consumerTotals(ctx, region)).toMatchObject({ ackPending: 0, redelivered: 0 });
    await finishWithSecond(ctx, region, envelopes);
  }, 120_000);
});
