// Consumer replicas as real processes (main.ts) sharing a region's shards through leases,
// scaled 1 → 3 → 2 → 1 while events keep arriving: the scale-down to 2 is graceful
// (SIGTERM), the one to 1 is a crash (SIGKILL). Every shard has exactly one owner at each
// steady state, the killed replica's shards move within 2 × the lease TTL, and in the end
// every event is logged exactly once and the state is core's reference join.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ensureTopology, fairShare, regionTopology } from '@wamesh/bus';
import { type Envelope, streamNames } from '@wamesh/core';
import { freePorts, startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loggedEvents, publishAll, referenceState, statusEnvelope, until } from './testkit.ts';

const SHARDS = 8;
const TTL = 1_500;
const REGION = 'scale';
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
  await ensureTopology(
    nc,
    regionTopology({ region: REGION, shards: SHARDS, replicas: 1, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000, ackWaitMs: 5_000, leaseTtlMs: TTL }),
  );
  store = createStore({ nc });
  await store.init();
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  await store?.close();
});

interface Replica {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

async function spawnReplica(): Promise<Replica> {
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      WAMESH_REGION: REGION,
      WAMESH_SHARDS: String(SHARDS),
      NATS_URLS: nats().url,
      PORT: String(port),
      HOST: '127.0.0.1',
      BATCH_SIZE: '20',
      BATCH_MAX_WAIT_MS: '20',
      LEASE_TTL_MS: String(TTL),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { child, port: port!, exited, output: () => out };
  await until(`replica on :${port} ready\n${out}`, async () => (await owned(r)) !== undefined, 30_000);
  return r;
}

/** Shards the replica holds, from its /metrics (wamesh_lease_owner{shard} 1). */
async function owned(r: Replica): Promise<number[] | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${r.port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    return [...body.matchAll(/^wamesh_lease_owner\{[^}]*shard="(\d+)"[^}]*\} 1$/gm)].map((m) => Number(m[1]));
  } catch {
    return undefined;
  }
}

/** Each shard held by exactly one replica, and the counts are the fair shares. */
async function steady(rs: Replica[]): Promise<boolean> {
  const each = await Promise.all(rs.map(owned));
  if (each.some((o) => o === undefined)) return false;
  const all = each.flatMap((o) => o!);
  if (all.length !== SHARDS || new Set(all).size !== SHARDS) return false;
  const ids = rs.map((_, i) => String(i));
  const want = ids.map((id) => fairShare(SHARDS, ids, id)).sort();
  return JSON.stringify(each.map((o) => o!.length).sort()) === JSON.stringify(want);
}

/** Status lifecycles of keys [from, from + keys), shuffled so inversions abound. */
function workload(from: number, keys: number): Envelope[] {
  const ladder = ['sent', 'delivered', 'read', 'failed'] as const;
  const out: Envelope[] = [];
  for (let k = from; k < from + keys; k++) {
    for (let i = 0; i < 1 + (k % 4); i++) {
      out.push(statusEnvelope({ id: `wamid.scale.${k}`, status: ladder[i]!, timestamp: T + k + i }, SHARDS, { region: REGION }));
    }
  }
  let seed = 11 + from;
  return out
    .map((e) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return { e, k: seed };
    })
    .sort((a, b) => a.k - b.k)
    .map((x) => x.e);
}

describe('worker scale', () => {
  it('worker - 1 → 3 → 2 → 1 replicas under load: one owner per shard, SIGKILL takeover within 2 × TTL, every event logged once, state = join', async () => {
    // Continuous load, paced (the scaling steps take as long as the machine needs): blocks
    // of 40 shuffled lifecycles, published 5 events at a time, until the scaling is over.
    const events: Envelope[] = [];
    let sent = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing || sent < events.length) {
        if (sent === events.length) events.push(...workload(events.length, 40));
        const chunk = events.slice(sent, sent + 5);
        await publishAll(nc, chunk);
        sent += chunk.length;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    const t0 = performance.now();
    const marks: [string, number, number][] = [];
    const mark = (what: string) => marks.push([what, Math.round(performance.now() - t0), sent]);
    const a = await spawnReplica();
    await until('a holds every shard', () => steady([a]));
    mark('1 replica');

    const [b, c] = await Promise.all([spawnReplica(), spawnReplica()]);
    mark('spawned 2 more');
    await until('3 replicas share the shards', () => steady([a, b, c]));
    mark('3 replicas');

    c.child.kill('SIGTERM');
    expect(await c.exited, c.output()).toBe(0);
    await until('2 replicas share the shards after a graceful stop', () => steady([a, b]), 3 * TTL);
    mark('2 replicas');

    const bShards = (await owned(b))!;
    expect(bShards.length).toBe(SHARDS / 2);
    b.child.kill('SIGKILL');
    const killedAt = performance.now();
    await b.exited;
    await until('a took over every shard', () => steady([a]), 4 * TTL);
    const takeover = performance.now() - killedAt;
    mark('1 replica after SIGKILL');
    // The load really ran across the scaling.
    expect(marks.at(-1)![2], JSON.stringify(marks)).toBeGreaterThan(marks[0]![2]);
    expect(takeover, `takeover took ${Math.round(takeover)} ms`).toBeLessThan(2 * TTL);
    publishing = false;
    await publisher;
    expect(sent).toBe(events.length);
    expect(events.length).toBeGreaterThan(100);

    await until(
      'every event settled',
      async () => {
        let pending = 0;
        for (let s = 0; s < SHARDS; s++) {
          const info = await jsm.consumers.info(streamNames(REGION).input, `shard-${s}`);
          pending += info.num_pending + info.num_ack_pending;
        }
        return pending === 0;
      },
      60_000,
    );

    // Nothing lost, nothing applied twice, state = the reference join.
    const ids = await loggedEvents(
      store,
      events.map((e) => e.event.wamid),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(events.length);
    const ref = referenceState(events);
    for (const [wamid, want] of ref.messages) {
      const have = await store.getMessage(wamid);
      expect({ status: have?.status, statusAt: have?.statusAt }, wamid).toEqual({ status: want.status, statusAt: want.statusAt });
    }

    mark('settled and checked');
    if (process.env['LEASE_TIMINGS']) console.log(`takeover ${Math.round(takeover)} ms (TTL ${TTL}); steps ${JSON.stringify(marks)}`);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  }, 120_000);
});
