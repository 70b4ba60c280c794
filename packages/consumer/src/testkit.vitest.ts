// What the consumer's integration tests share that needs vitest (fixtures, expect); testkit.ts
// stays free of it because the bench imports it.
import type { ChildProcess } from 'node:child_process';
import type { Envelope } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { meshFixture, natsTest } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { expect, vi } from 'vitest';
import { type ConsumerProcess, loggedRows, referenceState, spawnConsumer } from './testkit.ts';

/**
 * natsTest (`nats`, `nc`, `jsm`) with the consumer's fixtures:
 * - `storeNats`, `storeNc`: a second nats-server per file for the kv store alone, so a test
 *   can stop the store without the bus;
 * - `kvPrefix`: the test's own bucket prefix (override it with `wamesh`, the consumer
 *   process's default, to read what a spawned consumer wrote);
 * - `store`: a kv store on `nc` under `kvPrefix`, initialised, closed after the test;
 * - `spawnConsumer`: the consumer as a real process on the file's server; whatever a test
 *   leaves running is SIGKILLed after it.
 */
export const consumerTest = natsTest
  .extend('storeNats', { scope: 'file' }, meshFixture(() => startServer({ name: 'store' })))
  .extend('storeNc', { scope: 'file' }, ({ storeNats }) => storeNats.connect())
  .extend('kvPrefix', ({ task }): string => `t${task.id}`.replace(/[^A-Za-z0-9_-]/g, '_'))
  .extend('store', async ({ nc, kvPrefix }, { onCleanup }): Promise<StateStore> => {
    const store = createStore({ nc, kvPrefix });
    await store.init();
    onCleanup(() => store.close());
    return store;
  })
  .extend('spawnConsumer', ({ nats }, { onCleanup }): ((env: Record<string, string>) => Promise<ConsumerProcess>) => {
    const children: ChildProcess[] = [];
    onCleanup(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
    return async (env) => {
      const p = await spawnConsumer({ NATS_URLS: nats.url, ...env });
      children.push(p.child);
      return p;
    };
  });

export interface ReplicaOptions {
  region: string;
  shards: number;
  leaseTtlMs: number;
  batchMaxWaitMs: number;
}

/** A consumer replica as a real process (batches of 20), returned once its /metrics answers. */
export async function spawnReplica(
  spawn: (env: Record<string, string>) => Promise<ConsumerProcess>,
  o: ReplicaOptions,
): Promise<ConsumerProcess> {
  const r = await spawn({
    WAMESH_REGION: o.region,
    WAMESH_SHARDS: String(o.shards),
    BATCH_SIZE: '20',
    BATCH_MAX_WAIT_MS: String(o.batchMaxWaitMs),
    LEASE_TTL_MS: String(o.leaseTtlMs),
    LOG_LEVEL: 'warn',
  });
  await vi.waitFor(async () => expect(await ownedShards(r), `replica on :${r.port} ready\n${r.output()}`).toBeDefined(), { timeout: 30_000 });
  return r;
}

/** Shards a consumer process holds, from its /metrics (wamesh_lease_owner{shard} 1); undefined while it does not answer. */
export async function ownedShards(p: ConsumerProcess): Promise<number[] | undefined> {
  const res = await p.get('/metrics');
  return res && [...res.body.matchAll(/^wamesh_lease_owner\{[^}]*shard="(\d+)"[^}]*\} 1$/gm)].map((m) => Number(m[1]));
}

/** Events a consumer process reported done (any outcome), from its /metrics. */
export async function handledEvents(p: ConsumerProcess): Promise<number> {
  const body = (await p.get('/metrics'))?.body ?? '';
  let total = 0;
  for (const m of body.matchAll(/^wamesh_consumer_events_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}

/**
 * Every event logged exactly once, each change (not a duplicate) with one feed number (per
 * feed key the numbers are 1..n, no gap, no repeat: what downstream reads), and each
 * message's status and statusAt those of core's reference join.
 */
export async function expectLoggedOnceAndJoined(store: StateStore, envelopes: Envelope[]): Promise<void> {
  const rows = await loggedRows(store, envelopes.map((e) => e.event.wamid));
  const ids = rows.map((r) => r.eventId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(envelopes.length);
  // A duplicate (an event that changed nothing) is no feed entry.
  expectNumberedFeed(rows.filter((r) => r.outcome !== 'duplicate').map((r) => ({ id: r.eventId, key: r.feedKey, seq: r.seq })));
  for (const [wamid, want] of referenceState(envelopes).messages) {
    const have = await store.getMessage(wamid);
    expect({ status: have?.status, statusAt: have?.statusAt }, wamid).toEqual({ status: want.status, statusAt: want.statusAt });
  }
}

/** Each entry has a feed key and number, and each key's numbers are exactly 1..n (in any order). */
export function expectNumberedFeed(entries: { id: string; key?: string | undefined; seq?: number | undefined }[]): void {
  const seqs = new Map<string, number[]>();
  for (const e of entries) {
    expect({ id: e.id, key: typeof e.key, seq: typeof e.seq }).toEqual({ id: e.id, key: 'string', seq: 'number' });
    seqs.set(e.key!, [...(seqs.get(e.key!) ?? []), e.seq!]);
  }
  for (const [key, have] of seqs) {
    expect(
      have.sort((a, b) => a - b),
      key,
    ).toEqual(have.map((_, i) => i + 1));
  }
}
