// Shard and NATS names shared by ingress, consumer, cli and infra (see docs/TEAM-NOTES.md).
import { CoreError } from './errors.ts';
import type { EventKind } from './types.ts';

const encoder = new TextEncoder();

/** FNV-1a 32-bit over the UTF-8 bytes of `key`, unsigned. */
export function fnv1a32(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Shard of a key (wa_id for messages, wamid for statuses). The shard count is a deployment contract. */
export function shardOf(key: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new CoreError('E_SHARDS', `shard count must be a positive integer, got ${shards}`);
  }
  return fnv1a32(key) % shards;
}

const REGION = /^[A-Za-z0-9_-]+$/;

/** A region must be a single NATS subject token: letters, digits, - or _. */
export function isRegion(region: string): boolean {
  return REGION.test(region);
}

export function assertRegion(region: string): void {
  if (!isRegion(region)) {
    throw new CoreError('E_REGION', `region must match ${REGION}, got ${JSON.stringify(region)}`);
  }
}

/** Input subject `wa.<region>.<kind>.<shard>`. */
export function subjectOf(region: string, kind: EventKind, shard: number): string {
  assertRegion(region);
  if (kind !== 'msg' && kind !== 'status') {
    throw new CoreError('E_KIND', `kind must be msg or status, got ${JSON.stringify(kind)}`);
  }
  if (!Number.isInteger(shard) || shard < 0) {
    throw new CoreError('E_SHARDS', `shard must be a non-negative integer, got ${shard}`);
  }
  return `wa.${region}.${kind}.${shard}`;
}

export interface StreamNames {
  input: string;
  dead: string;
  /** Field events (every change other than messages and statuses). */
  fields: string;
  /** Signed bodies with parts that cannot be sequenced, with the reasons. */
  quarantine: string;
}

/**
 * Stream names of a region: `WA_<R>`, `WADLQ_<R>`, `WAFIELD_<R>`, `WAQUAR_<R>`
 * (R upper-cased, non-alphanumerics as `_`).
 */
export function streamNames(region: string): StreamNames {
  const r = region.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { input: `WA_${r}`, dead: `WADLQ_${r}`, fields: `WAFIELD_${r}`, quarantine: `WAQUAR_${r}` };
}

/**
 * Subject of a field event, `wafield.<region>.<field>`: a field name Meta sends is a word,
 * anything else in it becomes `_` so it stays one subject token.
 */
export function fieldSubjectOf(region: string, field: string): string {
  assertRegion(region);
  return `wafield.${region}.${field.replace(/[^A-Za-z0-9_-]/g, '_') || '_'}`;
}

/** Subject of the region's quarantine, `waquar.<region>`. */
export function quarantineSubjectOf(region: string): string {
  assertRegion(region);
  return `waquar.${region}`;
}
