// The consumer as a real process (main.ts): SIGKILL mid batch loses nothing and
// double-counts nothing after a restart; SIGTERM settles in-flight batches and exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Envelope, streamNames } from '@wamesh/core';
import { freePorts, startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loggedEvents, provisionRegion, publishAll, referenceState, statusEnvelope, until } from './testkit.ts';

const SHARDS = 4;
const N_KEYS = 250;
// Short leases: the restarted process takes the killed one's shards over within seconds.
const LEASE_TTL_MS = 2_000;
const T = 1_760_000_000;
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const nats = useNats(() => startServer());
let nc: NatsConnection;
let jsm: JetStreamManager;
let store: StateStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  nc = await nats().connect();
  jsm = await jetstreamManager(nc);
  // The consumer's own kv store (default prefix), read back from the test.
  store = createStore({ nc });
  await store.init();
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  await store?.close();
});

interface Consumer {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function spawnConsumer(region: string): Promise<Consumer> {
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      WAMESH_REGION: region,
      WAMESH_SHARDS: String(SHARDS),
      NATS_URLS: nats().url,
      PORT: String(port),
      HOST: '127.0.0.1',
      BATCH_SIZE: '40',
      BATCH_MAX_WAIT_MS: '0',
      MAX_DELIVERIES: '20',
      LEASE_TTL_MS: String(LEASE_TTL_MS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const c = { child, port: port!, output: () => out, exited };
  await until(`consumer on :${port} ready\n${out}`, async () => (await get(c, '/readyz'))?.status === 200, 30_000);
  return c;
}

async function get(c: Consumer, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${c.port}${path}`, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Events the process reported done (any outcome), from its /metrics. */
async function handled(c: Consumer): Promise<number> {
  const body = (await get(c, '/metrics'))?.body ?? '';
  let total = 0;
  for (const m of body.matchAll(/^wamesh_consumer_events_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}

async function consumerTotals(region: string) {
  let ackPending = 0;
  let redelivered = 0;
  let pending = 0;
  for (let s = 0; s < SHARDS; s++) {
    const info = await jsm.consumers.info(streamNames(region).input, `shard-${s}`);
    ackPending += info.num_ack_pending;
    redelivered += info.num_redelivered;
    pending += info.num_pending;
  }
  return { ackPending, redelivered, pending };
}

/** Status lifecycles over N_KEYS wamids, shuffled (so inversions abound). */
function workload(region: string, tag: string): Envelope[] {
  const out: Envelope[] = [];
  const ladder = ['sent', 'delivered', 'read', 'failed'] as const;
  for (let k = 0; k < N_KEYS; k++) {
    const steps = k % 9 === 0 ? 4 : 1 + (k % 3);
    for (let i = 0; i < steps; i++) {
      const s = k % 9 === 0 ? ladder[i]! : ladder[i]!;
      out.push(statusEnvelope({ id: `wamid.${tag}.${k}`, status: s, timestamp: T + k + i * 2 }, SHARDS, { region }));
    }
  }
  let seed = 7;
  return out
    .map((e) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return { e, k: seed };
    })
    .sort((a, b) => a.k - b.k)
    .map((x) => x.e);
}

async function expectConverged(envelopes: Envelope[]): Promise<void> {
  const wamids = envelopes.map((e) => e.event.wamid);
  const ids = await loggedEvents(store, wamids);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(envelopes.length);
  const ref = referenceState(envelopes);
  for (const [wamid, want] of ref.messages) {
    const have = (await store.getMessage(wamid))!;
    expect({ status: have.status, statusAt: have.statusAt }, wamid).toEqual({ status: want.status, statusAt: want.statusAt });
  }
}

describe('worker crash and shutdown', () => {
  it('worker - SIGKILL mid batch, then a new process: nothing lost, nothing counted twice (event log = events sent)', async () => {
    const region = 'crash';
    await provisionRegion(nc, region, SHARDS, 2_000, LEASE_TTL_MS);
    const envelopes = workload(region, 'k');
    await publishAll(nc, envelopes);
    const first = await spawnConsumer(region);
    await until('some events handled', async () => (await handled(first)) >= envelopes.length / 5, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await consumerTotals(region);
    // The kill caught batches in flight: delivered, never acked.
    expect(atKill.ackPending).toBeGreaterThan(0);

    const second = await spawnConsumer(region);
    await until('all settled', async () => {
      const t = await consumerTotals(region);
      return t.pending === 0 && t.ackPending === 0;
    }, 60_000);
    await expectConverged(envelopes);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('worker - SIGTERM settles the in-flight batches and exits 0 with nothing left unacked; a new process finishes the rest', async () => {
    const region = 'drain';
    await provisionRegion(nc, region, SHARDS, 2_000, LEASE_TTL_MS);
    const envelopes = workload(region, 'd');
    await publishAll(nc, envelopes);
    const first = await spawnConsumer(region);
    await until('some events handled', async () => (await handled(first)) >= envelopes.length / 5, 30_000);
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(await consumerTotals(region)).toMatchObject({ ackPending: 0, redelivered: 0 });

    const second = await spawnConsumer(region);
    await until('all settled', async () => {
      const t = await consumerTotals(region);
      return t.pending === 0 && t.ackPending === 0;
    }, 60_000);
    await expectConverged(envelopes);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);
});
