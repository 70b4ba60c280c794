// Which shards a replica should hold, worked out alike by every replica from what it sees in
// the lease bucket, so they agree without talking: lease timings from the TTL, live members
// from heartbeat keys, fair shares in member-id order, and rendezvous preferences so claims
// rarely collide. Pure; the protocol that acts on it (claim, renew, fence, release) is leases.ts.
import { hostname } from 'node:os';
import { fnv1a32 } from '@wamesh/core';

export interface LeaseTimings {
  ttlMs: number;
  /** Heartbeat and renewal period: T/4. */
  renewMs: number;
  /** An owner stops fetching this long after sending its last successful renewal: 0.75·T. */
  fenceMs: number;
}

export function leaseTimings(ttlMs: number): LeaseTimings {
  return { ttlMs, renewMs: Math.floor(ttlMs / 4), fenceMs: Math.floor((ttlMs * 3) / 4) };
}

const MEMBER = 'member.';
export const shardKey = (shard: number): string => `shard.${shard}`;
export const memberKey = (id: string): string => `${MEMBER}${id}`;

/** What the watch last showed for a key, and since when (local time) that revision stands. */
export interface Seen {
  revision: number;
  deleted: boolean;
  since: number;
}

/** `me` and every member whose heartbeat key changed within the last TTL (at local time t), sorted. */
export function liveMembers(seen: ReadonlyMap<string, Seen>, me: string, ttlMs: number, t: number): string[] {
  const ids = new Set([me]);
  for (const [key, s] of seen) {
    if (key.startsWith(MEMBER) && !s.deleted && t - s.since < ttlMs) ids.add(key.slice(MEMBER.length));
  }
  return [...ids].sort();
}

export const defaultMemberId = (): string =>
  `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`.replace(/[^A-Za-z0-9_-]/g, '_');

/** This replica's fair share: floor(S/n), plus one for the first S mod n members in id order. */
export function fairShare(shards: number, members: string[], me: string): number {
  const sorted = [...new Set([...members, me])].sort();
  const i = sorted.indexOf(me);
  return Math.floor(shards / sorted.length) + (i < shards % sorted.length ? 1 : 0);
}

/** Rendezvous score: each member prefers different shards, so claims rarely collide. */
const preference = (member: string, shard: number): number => fnv1a32(`${member}/${shard}`);

/** Comparator of shards by `member`'s preference, most preferred first. */
export const byPreference =
  (member: string) =>
  (a: number, b: number): number =>
    preference(member, b) - preference(member, a);
