// The consumer as a real process (main.ts): SIGKILL mid batch loses nothing and
// double-counts nothing after a restart; SIGTERM settles in-flight batches and exits 0.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Envelope, seededRandom, shuffled } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerProcess,
  provisionRegion,
  publishAll,
  shardTotals,
  statusEnvelope,
  until,
} from './testkit.ts';
import { expectLoggedOnceAndJoined, useConsumerProcesses } from './testkit.vitest.ts';

const SHARDS = 4;
const N_KEYS = 250;
// Short leases: the restarted process takes the killed one's shards over within seconds.
const LEASE_TTL_MS = 2_000;
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let jsm: JetStreamManager;
let store: StateStore;
const spawnConsumer = useConsumerProcesses();

beforeAll(async () => {
  nc = await nats().connect();
  jsm = await jetstreamManager(nc);
  // The consumer's own kv store (default prefix), read back from the test.
  store = createStore({ nc });
  await store.init();
});

afterAll(async () => {
  await store?.close();
});

async function startConsumer(region: string): Promise<ConsumerProcess> {
  const c = await spawnConsumer({
    WAMESH_REGION: region,
    WAMESH_SHARDS: String(SHARDS),
    NATS_URLS: nats().url,
    BATCH_SIZE: '40',
    BATCH_MAX_WAIT_MS: '0',
    MAX_DELIVERIES: '20',
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    LOG_LEVEL: 'warn',
  });
  await until(`consumer on :${c.port} ready\n${c.output()}`, async () => (await c.get('/readyz'))?.status === 200, 30_000);
  return c;
}

/** Events the process reported done (any outcome), from its /metrics. */
async function handled(c: ConsumerProcess): Promise<number> {
  const body = (await c.get('/metrics'))?.body ?? '';
  let total = 0;
  for (const m of body.matchAll(/^wamesh_consumer_events_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}

const consumerTotals = (region: string) => shardTotals(jsm, region, SHARDS);

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
async function backlogHalfway(region: string, tag: string): Promise<{ envelopes: Envelope[]; first: ConsumerProcess }> {
  await provisionRegion(nc, region, SHARDS, 2_000, LEASE_TTL_MS);
  const envelopes = workload(region, tag);
  await publishAll(nc, envelopes);
  const first = await startConsumer(region);
  await until('some events handled', async () => (await handled(first)) >= envelopes.length / 5, 30_000);
  return { envelopes, first };
}

/** A second process finishes the backlog: everything settles, is logged once and joined; SIGTERM exits 0. */
async function finishWithSecond(region: string, envelopes: Envelope[]): Promise<void> {
  const second = await startConsumer(region);
  await until('all settled', async () => {
    const t = await consumerTotals(region);
    return t.pending === 0 && t.ackPending === 0;
  }, 60_000);
  await expectLoggedOnceAndJoined(store, envelopes);
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}

describe('worker crash and shutdown', () => {
  it('worker - SIGKILL mid batch, then a new process: nothing lost, nothing counted twice (event log = events sent)', async () => {
    const region = 'crash';
    const { envelopes, first } = await backlogHalfway(region, 'k');
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await consumerTotals(region);
    // The kill caught batches in flight: delivered, never acked.
    expect(atKill.ackPending).toBeGreaterThan(0);
    await finishWithSecond(region, envelopes);
  }, 120_000);

  it('worker - SIGTERM settles the in-flight batches and exits 0 with nothing left unacked; a new process finishes the rest', async () => {
    const region = 'drain';
    const { envelopes, first } = await backlogHalfway(region, 'd');
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(await consumerTotals(region)).toMatchObject({ ackPending: 0, redelivered: 0 });
    await finishWithSecond(region, envelopes);
  }, 120_000);
});
