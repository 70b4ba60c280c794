// Shard leases: the consumer replicas of a region share its shards through the KV bucket
// `wamesh_leases_<region>` (bucket-level TTL T; nats-server 2.9 has no per-key TTL).
//
//   member.<id>  heartbeat of a live replica, rewritten every T/4
//   shard.<n>    lease of shard n: created with `create`, renewed every T/4 with a
//                revision-checked `update`, released with a revision-checked `delete`
//
// Fencing, with local monotonic clocks only: an owner stops fetching a shard 0.75·T after it
// SENT its last successful renewal (the server wrote it later, so the bucket TTL expires it
// later still). Another replica takes a lease over only when it is gone (bucket TTL) or its
// revision has not changed for a full T of the taker's own observation, i.e. after the
// owner's deadline. State stays correct even when both briefly process (writes are joins);
// the lease is about order and efficiency. Who should hold how many and which shards is
// lease-share.ts.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { type KV, Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator } from '@nats-io/nats-core';
import {
  byPreference,
  defaultMemberId,
  fairShare,
  type LeaseTimings,
  leaseTimings,
  liveMembers,
  memberKey,
  type Seen,
  shardKey,
} from './lease-share.ts';
import type { BusLogger } from './logger.ts';
import { sleep } from './retry.ts';
import { leaseBucketName } from './topology.ts';

/** Why a replica gave up a shard. `lost`: its renewal failed (conflict or deadline): fenced. */
export type ReleaseReason = 'rebalance' | 'shutdown' | 'lost';

export interface LeaseObserver {
  /** A shard was claimed: `free` (no lease) or `expired` (taken over from a silent owner). */
  onAcquire?(shard: number, how: 'free' | 'expired'): void;
  onRelease?(shard: number, reason: ReleaseReason): void;
  /** Live members and this replica's fair share changed. */
  onMembers?(members: string[], target: number): void;
}

export interface ShardLeasesOptions {
  nc: NatsConnection;
  region: string;
  shards: number;
  /** Lease TTL (LEASE_TTL_MS); the bucket's own TTL wins when it is set and differs. */
  ttlMs: number;
  /** Unique per process; default `<hostname>-<pid>-<random>`. */
  memberId?: string;
  logger: BusLogger;
  /** Start fetching the shard (runner.start). */
  onAcquire(shard: number): void;
  /** Stop fetching the shard and settle its in-flight batch (runner.stop); the lease is deleted after it resolves. */
  onRelease(shard: number, reason: ReleaseReason): Promise<void>;
  observer?: LeaseObserver;
}

export interface ShardLeases {
  readonly memberId: string;
  /** Opens the bucket, announces this replica and starts claiming its share. */
  start(): Promise<void>;
  /** Drains and releases every owned shard, withdraws the heartbeat. */
  stop(): Promise<void>;
  /** Stops all timers without releasing anything, like a crashed process (tests). */
  abandon(): Promise<void>;
  /** Shards this replica holds a lease on and fetches, ascending. */
  owned(): number[];
  /** Live members as this replica sees them, sorted (itself included). */
  members(): string[];
  /** The lease timings in force (the bucket's TTL may override the configured one). */
  timings(): LeaseTimings;
}

interface Held {
  revision: number;
  /** Local time at which the last successful renewal (or the claim) was sent. */
  sentAt: number;
  fence?: NodeJS.Timeout;
  releasing?: ReleaseReason;
  drained?: boolean;
}

const now = (): number => performance.now();
const json = (v: object): string => JSON.stringify(v);

const isCasConflict = (err: unknown): boolean =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

export function createShardLeases(opts: ShardLeasesOptions): ShardLeases {
  const { nc, region, shards, logger, observer } = opts;
  const memberId = opts.memberId ?? defaultMemberId();
  const bucket = leaseBucketName(region);
  const held = new Map<number, Held>();
  const seen = new Map<string, Seen>();
  const log = (o: object) => ({ region, member: memberId, ...o });
  let timing: LeaseTimings = leaseTimings(opts.ttlMs);
  let kv: KV | undefined;
  let watch: QueuedIterator<KvWatchEntry> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopping = false;
  let ticking: Promise<void> = Promise.resolve();
  let lastMembers = '';

  function arm(shard: number, h: Held): void {
    clearTimeout(h.fence);
    h.fence = setTimeout(() => fence(shard, 'deadline'), Math.max(0, h.sentAt + timing.fenceMs - now()));
  }

  /** Stop fetching NOW: the lease can no longer be trusted to be ours. */
  function fence(shard: number, why: 'deadline' | 'conflict'): void {
    const h = held.get(shard);
    if (!h) return;
    clearTimeout(h.fence);
    held.delete(shard);
    logger.warn(log({ shard, why, revision: h.revision }), 'shard lease lost: stopped fetching');
    observer?.onRelease?.(shard, 'lost');
    if (!h.releasing) {
      opts.onRelease(shard, 'lost').catch((err) => logger.error(log({ shard, err }), 'stopping a lost shard failed'));
    }
  }

  function release(shard: number, reason: ReleaseReason): void {
    const h = held.get(shard);
    if (!h || h.releasing) return;
    h.releasing = reason;
    logger.info(log({ shard, reason }), 'shard lease releasing: draining in-flight batch');
    opts
      .onRelease(shard, reason)
      .catch((err) => logger.error(log({ shard, err }), 'draining a released shard failed'))
      .finally(() => {
        h.drained = true;
        kick();
      });
  }

  async function renew(shard: number, h: Held): Promise<void> {
    const sentAt = now();
    try {
      const revision = await kv!.update(shardKey(shard), json({ owner: memberId, at: Date.now() }), h.revision);
      if (held.get(shard) !== h) return; // fenced while the renewal was in flight
      h.revision = revision;
      h.sentAt = sentAt;
      arm(shard, h);
    } catch (err) {
      if (isCasConflict(err)) fence(shard, 'conflict');
      else logger.warn(log({ shard, err: String(err) }), 'shard lease renewal failed; retrying until the deadline');
    }
  }

  async function drop(shard: number, h: Held): Promise<void> {
    clearTimeout(h.fence);
    held.delete(shard);
    try {
      await kv!.delete(shardKey(shard), { previousSeq: h.revision });
      logger.info(log({ shard, reason: h.releasing }), 'shard lease released');
    } catch (err) {
      // Someone else's now, or gone: either way not ours; the TTL cleans up the rest.
      logger.warn(log({ shard, err: String(err) }), 'shard lease delete failed; it expires with the TTL');
    }
    observer?.onRelease?.(shard, h.releasing ?? 'rebalance');
  }

  async function claim(shard: number, t: number): Promise<boolean> {
    const key = shardKey(shard);
    const s = seen.get(key);
    const value = json({ owner: memberId, at: Date.now() });
    const sentAt = now();
    let revision: number;
    let how: 'free' | 'expired' = 'free';
    try {
      if (s === undefined || s.deleted) revision = await kv!.create(key, value);
      else if (t - s.since >= timing.ttlMs) {
        // Unchanged for a whole TTL of our own observation: its owner has fenced itself.
        how = 'expired';
        revision = await kv!.update(key, value, s.revision).catch(async (err) => {
          if (isCasConflict(err)) return kv!.create(key, value); // expired meanwhile
          throw err;
        });
      } else return false;
    } catch (err) {
      if (!isCasConflict(err)) logger.warn(log({ shard, err: String(err) }), 'shard lease claim failed');
      return false;
    }
    if (stopping) {
      await kv!.delete(key, { previousSeq: revision }).catch(() => {});
      return false;
    }
    const h: Held = { revision, sentAt };
    held.set(shard, h);
    arm(shard, h);
    seen.set(key, { revision, deleted: false, since: t });
    logger.info(log({ shard, how, revision }), 'shard lease acquired');
    observer?.onAcquire?.(shard, how);
    opts.onAcquire(shard);
    return true;
  }

  async function tick(): Promise<void> {
    const t = now();
    if (!stopping) {
      await kv!
        .put(memberKey(memberId), json({ id: memberId, pid: process.pid, at: Date.now() }))
        .catch((err) => logger.warn(log({ err: String(err) }), 'heartbeat failed'));
    }
    const work: Promise<void>[] = [];
    for (const [shard, h] of held) work.push(h.drained ? drop(shard, h) : renew(shard, h));
    await Promise.all(work);
    if (stopping) return;

    const members = liveMembers(seen, memberId, timing.ttlMs, t);
    const target = fairShare(shards, members, memberId);
    const signature = `${members.join(',')}:${target}`;
    if (signature !== lastMembers) {
      lastMembers = signature;
      logger.info(log({ members, target }), 'lease members changed');
      observer?.onMembers?.(members, target);
    }
    const keeping = [...held].filter(([, h]) => !h.releasing).map(([shard]) => shard);
    const mine = byPreference(memberId);
    if (keeping.length > target) {
      for (const shard of keeping.sort(mine).slice(target)) release(shard, 'rebalance');
    } else if (keeping.length < target) {
      const candidates = Array.from({ length: shards }, (_, s) => s).filter((s) => !held.has(s));
      let want = target - keeping.length;
      for (const shard of candidates.sort(mine)) {
        if (want === 0 || stopping) break;
        if (await claim(shard, t)) want--;
      }
    }
  }

  function schedule(delay: number): void {
    clearTimeout(timer);
    if (!running) return;
    timer = setTimeout(() => {
      ticking = ticking
        .then(tick)
        .catch((err) => logger.error(log({ err }), 'lease tick failed'))
        .finally(() => schedule(timing.renewMs));
    }, delay);
  }

  /** Run a tick soon (a release finished, or the watch saw a lease go). */
  function kick(): void {
    schedule(0);
  }

  /** Mirrors the bucket into `seen`; a watch that ends (connection trouble) is reopened. */
  async function follow(): Promise<void> {
    while (running) {
      try {
        watch = await kv!.watch({ key: '>' });
        for await (const e of watch) {
          const prev = seen.get(e.key);
          if (prev && prev.revision === e.revision) continue;
          const deleted = e.operation !== 'PUT';
          seen.set(e.key, { revision: e.revision, deleted, since: now() });
          // A lease or a member went away: rebalance now rather than at the next tick.
          if (deleted && running && !stopping) kick();
        }
      } catch (err) {
        logger.warn(log({ err: String(err) }), 'lease watch failed; reopening');
      }
      if (running) await sleep(timing.renewMs);
    }
  }

  return {
    memberId,
    async start() {
      if (running) return;
      kv = await new Kvm(nc).open(bucket);
      const bucketTtl = (await kv.status()).ttl;
      if (bucketTtl > 0 && bucketTtl !== opts.ttlMs) {
        logger.warn(log({ configured: opts.ttlMs, bucket: bucketTtl }), 'lease TTL differs from the bucket TTL; using the bucket TTL');
        timing = leaseTimings(bucketTtl);
      }
      running = true;
      void follow();
      logger.info(log({ ...timing, shards }), 'shard leases started');
      kick();
    },
    async stop() {
      if (!running) return;
      stopping = true;
      await ticking; // a heartbeat in flight must not outlive the goodbye below
      // Leave first, so the others raise their shares and take each shard as it is released.
      await kv!.delete(memberKey(memberId)).catch(() => {});
      for (const shard of held.keys()) release(shard, 'shutdown');
      // Ticks keep renewing while the batches drain, then delete the drained leases.
      while (held.size > 0) {
        kick();
        await sleep(Math.min(50, timing.renewMs));
        await ticking;
      }
      running = false;
      clearTimeout(timer);
      await ticking;
      watch?.stop();
      logger.info(log({}), 'shard leases stopped');
    },
    async abandon() {
      running = false;
      clearTimeout(timer);
      for (const h of held.values()) clearTimeout(h.fence);
      held.clear();
      watch?.stop();
      await ticking.catch(() => {});
    },
    owned: () => [...held.keys()].sort((a, b) => a - b),
    members: () => liveMembers(seen, memberId, timing.ttlMs, now()),
    timings: () => timing,
  };
}
