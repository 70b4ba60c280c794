// Recovery after a consumer dies holding un-acked events: two replicas as real processes
// (main.ts) share a region's shards; one is frozen mid-backlog while it holds delivered,
// un-acked events, then SIGKILLed. The other takes its shards over when the leases lapse,
// and since the shard consumers' ack wait is the lease TTL (regionTopology), the dead
// replica's events come back by then too: everything is applied within 2 × TTL of the
// freeze, not after a longer ack wait.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Envelope, seededRandom, shuffled, streamNames } from '@wamesh/core';
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
const TTL = 3_000;
const REGION = 'failover';
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let jsm: JetStreamManager;
let store: StateStore;
const spawnConsumer = useConsumerProcesses();

beforeAll(async () => {
  nc = await nats().connect();
  jsm = await jetstreamManager(nc);
  // No ack wait given: provisioned as production is, from the lease TTL.
  await provisionRegion(nc, REGION, SHARDS, undefined, TTL);
  store = createStore({ nc });
  await store.init();
});

afterAll(async () => {
  await store?.close();
});

async function spawnReplica(): Promise<ConsumerProcess> {
  const r = await spawnConsumer({
    WAMESH_REGION: REGION,
    WAMESH_SHARDS: String(SHARDS),
    NATS_URLS: nats().url,
    BATCH_SIZE: '20',
    BATCH_MAX_WAIT_MS: '0',
    LEASE_TTL_MS: String(TTL),
    LOG_LEVEL: 'warn',
  });
  await until(`replica on :${r.port} ready\n${r.output()}`, async () => (await owned(r)) !== undefined, 30_000);
  return r;
}

/** Shards the replica holds, from its /metrics (wamesh_lease_owner{shard} 1). */
async function owned(r: ConsumerProcess): Promise<number[] | undefined> {
  const res = await r.get('/metrics');
  return res && [...res.body.matchAll(/^wamesh_lease_owner\{[^}]*shard="(\d+)"[^}]*\} 1$/gm)].map((m) => Number(m[1]));
}

/** Events the replica reported done (any outcome), from its /metrics. */
async function handled(r: ConsumerProcess): Promise<number> {
  const body = (await r.get('/metrics'))?.body ?? '';
  let total = 0;
  for (const m of body.matchAll(/^wamesh_consumer_events_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}

/** Delivered and not yet acked on the given shards' consumers. */
async function ackPendingOn(shards: number[]): Promise<number> {
  let n = 0;
  for (const s of shards) n += (await jsm.consumers.info(streamNames(REGION).input, `shard-${s}`)).num_ack_pending;
  return n;
}

/** Status lifecycles over `keys` wamids, shuffled (inversions abound). */
function workload(keys: number): Envelope[] {
  const ladder = ['sent', 'delivered', 'read', 'failed'] as const;
  const out: Envelope[] = [];
  for (let k = 0; k < keys; k++) {
    for (let i = 0; i < 1 + (k % 4); i++) {
      out.push(statusEnvelope({ id: `wamid.failover.${k}`, status: ladder[i]!, timestamp: T + k + i }, SHARDS, { region: REGION }));
    }
  }
  return shuffled(out, seededRandom(5));
}

describe('worker failover', () => {
  it('worker - a replica SIGKILLed holding un-acked events: the other applies every event within 2 × lease TTL', async () => {
    const info = await jsm.consumers.info(streamNames(REGION).input, 'shard-0');
    expect(info.config.ack_wait).toBe(TTL * 1e6);

    const [a, b] = await Promise.all([spawnReplica(), spawnReplica()]);
    await until('each replica holds half the shards', async () => (await owned(a))?.length === SHARDS / 2 && (await owned(b))?.length === SHARDS / 2);
    const aShards = (await owned(a))!;

    const events = workload(600);
    await publishAll(nc, events);
    // Freeze `a` once it is busy, and kill it only while it holds delivered, un-acked events
    // (a frozen process renews nothing: the clock of the fault starts at the freeze).
    await until('a is working through its shards', async () => (await handled(a)) >= 50, 30_000);
    let frozenAt = 0;
    let heldAtKill = 0;
    await until('a frozen while holding un-acked events', async () => {
      a.child.kill('SIGSTOP');
      frozenAt = performance.now();
      heldAtKill = await ackPendingOn(aShards);
      if (heldAtKill === 0) a.child.kill('SIGCONT');
      return heldAtKill > 0;
    });
    a.child.kill('SIGKILL');
    await a.exited;

    await until(
      'every event settled',
      async () => {
        const t = await shardTotals(jsm, REGION, SHARDS);
        return t.pending + t.ackPending === 0;
      },
      60_000,
    );
    const recovery = performance.now() - frozenAt;
    expect((await owned(b))?.sort()).toEqual([...Array(SHARDS).keys()]);
    expect(recovery, `every event applied ${Math.round(recovery)} ms after the fault (TTL ${TTL} ms, ${heldAtKill} held)`).toBeLessThan(2 * TTL);
    await expectLoggedOnceAndJoined(store, events);
    if (process.env['LEASE_TIMINGS']) console.log(`recovery ${Math.round(recovery)} ms (TTL ${TTL} ms), ${heldAtKill} events held at the kill`);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 120_000);
});
