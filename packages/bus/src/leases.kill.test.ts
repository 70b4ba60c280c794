import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NatsConnection } from '@nats-io/nats-core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import { createShardLeases, type ShardLeases } from './leases.ts';
import { silentLogger } from './logger.ts';
import { regionTopology } from './topology.ts';

// A replica in a child process, killed with SIGKILL: no release, no goodbye.
const SHARDS = 16;
const TTL = 1_500;
const REGION = 'killed';
const nats = useNats(() => startServer());
let nc: NatsConnection;
let child: ChildProcess | undefined;
let local: ShardLeases | undefined;

beforeAll(async () => {
  nc = await nats().connect();
  const t = regionTopology({ region: REGION, shards: SHARDS, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, leaseTtlMs: TTL });
  await ensureTopology(nc, { ...t, streams: [], consumers: [] });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await local?.abandon();
});


describe('leases - SIGKILL', () => {
  it('leases - a replica killed with SIGKILL has its shards taken over within 2 × TTL, never earlier than its fence', async () => {
    const childOwned = new Set<number>();
    const taken = new Map<number, number>();
    child = spawn(process.execPath, [new URL('./testing/lease-member.ts', import.meta.url).pathname, nats().servers[0]!.url, REGION, String(SHARDS), String(TTL), 'b'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let ready = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as { event: string; shard: number };
      if (e.event === 'ready') ready = true;
      else if (e.event === 'acquire') childOwned.add(e.shard);
      else if (e.event === 'release') childOwned.delete(e.shard);
    });
    await expect.poll(() => ready, { timeout: 10 * TTL, interval: 20, message: 'child started' }).toBe(true);

    local = createShardLeases({
      nc,
      region: REGION,
      shards: SHARDS,
      ttlMs: TTL,
      memberId: 'a',
      logger: silentLogger,
      onAcquire: (shard) => {
        expect(childOwned.has(shard), `shard ${shard} is still the child's`).toBe(false);
        taken.set(shard, performance.now());
      },
      onRelease: async (shard) => {
        taken.delete(shard);
      },
    });
    await local.start();
    await expect.poll(() => childOwned.size === 8 && local!.owned().length === 8, { timeout: 10 * TTL, interval: 20, message: '8/8 between the processes' }).toBe(true);
    const victim = [...childOwned];
    expect(new Set([...victim, ...local.owned()]).size).toBe(SHARDS);

    child.kill('SIGKILL');
    const killedAt = performance.now();
    await new Promise((r) => child!.once('exit', r));
    childOwned.clear();

    await expect.poll(() => local!.owned().length, { timeout: 4 * TTL, interval: 20, message: 'the survivor holds every shard' }).toBe(SHARDS);
    const after = victim.map((s) => taken.get(s)! - killedAt);
    const slowest = Math.max(...after);
    expect(slowest, `slowest takeover ${Math.round(slowest)} ms`).toBeLessThan(2 * TTL);
    // The killed replica renewed at most T/4 before dying and would have fenced 0.75·T after
    // that: nobody may claim before half a TTL has passed since the kill.
    expect(Math.min(...after)).toBeGreaterThanOrEqual(TTL / 2);
    if (process.env['LEASE_TIMINGS']) {
      console.log(`SIGKILL takeover: first ${Math.round(Math.min(...after))} ms, last ${Math.round(slowest)} ms (TTL ${TTL} ms)`);
    }
  });
});
