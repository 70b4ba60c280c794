import { setTimeout as sleep } from 'node:timers/promises';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import { fairShare } from './lease-share.ts';
import { createShardLeases, type ReleaseReason, type ShardLeases } from './leases.ts';
import { silentLogger } from './logger.ts';
import { leaseBucketName, regionTopology } from './topology.ts';

// Real nats-server, the production lease bucket (regionTopology's KV spec), a short TTL.
const SHARDS = 16;
const TTL = 1_500;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let regionNo = 0;
const alive: ShardLeases[] = [];

beforeAll(async () => {
  nc = await nats().connect();
});

afterEach(async () => {
  await Promise.all(alive.splice(0).map((m) => m.abandon()));
});

async function freshRegion(): Promise<string> {
  const region = `lease${++regionNo}`;
  const t = regionTopology({ region, shards: SHARDS, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, leaseTtlMs: TTL });
  await ensureTopology(nc, { ...t, streams: [], consumers: [] });
  return region;
}

/** Who fetched which shard when: [from, to) per member, `to` = end of the drain. */
interface Interval {
  member: string;
  shard: number;
  from: number;
  to: number;
  reason?: ReleaseReason;
}

/** A stand-in for the shard runner: records fetching intervals; a drain takes `drainMs`. */
class Ledger {
  readonly intervals: Interval[] = [];
  drainMs = 30;
  open(member: string, shard: number): void {
    expect(this.current(shard).filter((i) => i.member === member), `${member} starts ${shard} twice`).toEqual([]);
    this.intervals.push({ member, shard, from: performance.now(), to: Number.POSITIVE_INFINITY });
  }
  async close(member: string, shard: number, reason: ReleaseReason): Promise<void> {
    await sleep(this.drainMs);
    const i = this.intervals.find((x) => x.member === member && x.shard === shard && x.to === Number.POSITIVE_INFINITY);
    if (i) Object.assign(i, { to: performance.now(), reason });
  }
  /** A crashed member stops fetching at once. */
  crash(member: string): void {
    for (const i of this.intervals) if (i.member === member && i.to === Number.POSITIVE_INFINITY) i.to = performance.now();
  }
  current(shard: number): Interval[] {
    return this.intervals.filter((i) => i.shard === shard && i.to === Number.POSITIVE_INFINITY);
  }
  /** No two members ever fetched (or drained) the same shard at the same time. */
  expectExclusive(): void {
    for (let s = 0; s < SHARDS; s++) {
      const xs = this.intervals.filter((i) => i.shard === s).sort((a, b) => a.from - b.from);
      for (let k = 1; k < xs.length; k++) {
        expect(xs[k]!.from, `shard ${s}: ${xs[k]!.member} started before ${xs[k - 1]!.member} stopped`).toBeGreaterThanOrEqual(xs[k - 1]!.to);
      }
    }
  }
}

function member(region: string, ledger: Ledger, id: string, conn = nc): ShardLeases {
  const m = createShardLeases({
    nc: conn,
    region,
    shards: SHARDS,
    ttlMs: TTL,
    memberId: id,
    logger: silentLogger,
    onAcquire: (shard) => ledger.open(id, shard),
    onRelease: (shard, reason) => ledger.close(id, shard, reason),
  });
  alive.push(m);
  return m;
}


/** Every shard held by exactly one of `ms`, and each holds its fair share. */
function steady(ms: ShardLeases[]): boolean {
  const owners = ms.flatMap((m) => m.owned());
  if (owners.length !== SHARDS || new Set(owners).size !== SHARDS) return false;
  const ids = ms.map((m) => m.memberId);
  return ms.every((m) => m.owned().length === fairShare(SHARDS, ids, m.memberId));
}

describe('leases - fair share', () => {
  it('leases - fair share splits S shards over n members by sorted id, summing to S', () => {
    expect(fairShare(16, ['a'], 'a')).toBe(16);
    expect(['a', 'b', 'c'].map((m) => fairShare(16, ['c', 'a', 'b'], m))).toEqual([6, 5, 5]);
    expect(['a', 'b'].map((m) => fairShare(16, ['a', 'b'], m))).toEqual([8, 8]);
    expect(fairShare(2, ['a', 'b', 'c'], 'c')).toBe(0);
    // A replica always counts itself, even before its heartbeat shows up.
    expect(fairShare(16, ['a'], 'b')).toBe(8);
  });
});

describe('leases - ownership on a real server', () => {
  it('leases - 1 → 3 → 2 replicas: each shard one owner at steady state, fair shares, never two at once', async () => {
    const region = await freshRegion();
    const ledger = new Ledger();
    const a = member(region, ledger, 'a');
    await a.start();
    await expect.poll(() => steady([a]), { timeout: 10 * TTL, interval: 20, message: 'a owns every shard' }).toBe(true);

    const b = member(region, ledger, 'b');
    const c = member(region, ledger, 'c');
    await Promise.all([b.start(), c.start()]);
    await expect.poll(() => steady([a, b, c]), { timeout: 10 * TTL, interval: 20, message: 'three replicas share 6/5/5' }).toBe(true);
    expect([a, b, c].map((m) => m.owned().length)).toEqual([6, 5, 5]);

    // Graceful scale-down: c drains and deletes its leases, the others claim them at once.
    const handOver = performance.now();
    await c.stop();
    const polling = performance.now();
    await expect.poll(() => steady([a, b]), { timeout: 10 * TTL, interval: 20, message: 'two replicas share 8/8' }).toBe(true);
    const took = performance.now() - polling + (performance.now() - handOver);
    expect(c.owned()).toEqual([]);
    expect(took, 'a graceful hand-over does not wait for the TTL').toBeLessThan(TTL);
    for (let s = 0; s < SHARDS; s++) expect(ledger.current(s)).toHaveLength(1);
    ledger.expectExclusive();
    expect(ledger.intervals.filter((i) => i.reason === 'lost')).toEqual([]);
  });

  it('leases - a replica that stops renewing (crash) has its shards taken over within 2 × TTL', async () => {
    const region = await freshRegion();
    const ledger = new Ledger();
    const a = member(region, ledger, 'a');
    const b = member(region, ledger, 'b');
    await Promise.all([a.start(), b.start()]);
    await expect.poll(() => steady([a, b]), { timeout: 10 * TTL, interval: 20, message: '8/8' }).toBe(true);

    const crashed = performance.now();
    await b.abandon();
    ledger.crash('b');
    const polling = performance.now();
    await expect.poll(() => a.owned().length, { timeout: 10 * TTL, interval: 20, message: 'a owns all 16' }).toBe(SHARDS);
    const took = performance.now() - polling;
    const elapsed = performance.now() - crashed;
    expect(took).toBeLessThanOrEqual(elapsed);
    expect(elapsed, `takeover took ${Math.round(elapsed)} ms`).toBeLessThan(2 * TTL);
    if (process.env['LEASE_TIMINGS']) console.log(`takeover after crash: ${Math.round(elapsed)} ms (TTL ${TTL} ms)`);
    // Not before the crashed owner's own deadline could have passed (0.75·T after its last renewal).
    const firstTakeover = Math.min(...ledger.intervals.filter((i) => i.member === 'a' && i.from > crashed).map((i) => i.from));
    expect(firstTakeover - crashed).toBeGreaterThanOrEqual(TTL / 2);
    ledger.expectExclusive();
  });

  it('leases - a replica cut off from NATS fences itself before anyone else claims its shards', async () => {
    const region = await freshRegion();
    const ledger = new Ledger();
    const a = member(region, ledger, 'a');
    const bConn = await nats().connect();
    const b = member(region, ledger, 'b', bConn);
    await Promise.all([a.start(), b.start()]);
    await expect.poll(() => steady([a, b]), { timeout: 10 * TTL, interval: 20, message: '8/8' }).toBe(true);
    const bShards = b.owned();

    // b keeps "fetching" (its runner is alive) but can no longer renew.
    await bConn.close();
    await expect.poll(() => a.owned().length, { timeout: 10 * TTL, interval: 20, message: 'a owns all 16' }).toBe(SHARDS);
    await expect.poll(() => b.owned().length, { timeout: 10 * TTL, interval: 20, message: 'b fenced every shard' }).toBe(0);
    for (const s of bShards) {
      const lost = ledger.intervals.findLast((i) => i.member === 'b' && i.shard === s)!;
      const taken = ledger.intervals.find((i) => i.member === 'a' && i.shard === s && i.from > lost.from)!;
      expect(lost.reason).toBe('lost');
      expect(taken.from, `shard ${s}`).toBeGreaterThanOrEqual(lost.to);
    }
    ledger.expectExclusive();
  });

  it('leases - a renewal that hits a changed revision fences the shard at once', async () => {
    const region = await freshRegion();
    const ledger = new Ledger();
    const a = member(region, ledger, 'a');
    await a.start();
    await expect.poll(() => steady([a]), { timeout: 10 * TTL, interval: 20, message: 'a owns every shard' }).toBe(true);
    const kv = await new Kvm(nc).open(leaseBucketName(region));
    await kv.put('shard.3', JSON.stringify({ owner: 'operator' }));
    await expect.poll(() => ledger.current(3).length, { timeout: TTL, interval: 20, message: 'a stopped fetching shard 3' }).toBe(0);
    expect(a.owned()).not.toContain(3);
    expect(ledger.intervals.find((i) => i.shard === 3)?.reason).toBe('lost');
    // The foreign value is never renewed: after a TTL it is claimed back.
    await expect.poll(() => a.owned().includes(3), { timeout: 3 * TTL, interval: 20, message: 'a owns shard 3 again' }).toBe(true);
    ledger.expectExclusive();
  });
});
