import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { backoff, delay } from '@nats-io/nats-core';
import { isDeepStrictEqual } from 'node:util';
import { StoreConflictError } from '../errors.ts';

const MAX_ATTEMPTS = 50;

/** Another writer changed the key between our read and our write. */
export function isCasConflict(err: unknown): boolean {
  if (!(err instanceof JetStreamApiError)) return false;
  return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
}

/** JSON as it will be read back (no undefined fields), so equality means "nothing to write". */
const normalized = <D>(doc: D): D => JSON.parse(JSON.stringify(doc)) as D;

// Between lost races: short waits, jittered so the writers stop colliding (nats-core's
// backoff, the repository's one retry policy, used directly as the store does not use the bus).
const conflictWait = backoff([2, 4, 8, 16, 32, 50]);

/**
 * Joins `delta` into the value under `key` by compare-and-set on the key's revision:
 * read, join (core's), then `create` (no value yet) or `update(…, revision)`. When
 * another writer got there first the write is refused, and the join is recomputed on
 * what it wrote. A join that changes nothing writes nothing. Resolves with the before-image.
 */
export async function casJoin<D>(
  kv: KV,
  key: string,
  delta: D,
  join: (stored: D, delta: D) => D,
  onConflict?: (key: string) => void,
): Promise<D | null> {
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key);
    const before = entry && entry.operation === 'PUT' ? entry.json<D>() : null;
    const after = normalized(before ? join(before, delta) : delta);
    if (before && isDeepStrictEqual(before, after)) return before;
    try {
      if (entry) await kv.update(key, JSON.stringify(after), entry.revision);
      else await kv.create(key, JSON.stringify(after));
      return before;
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      onConflict?.(key);
      if (attempt >= MAX_ATTEMPTS) throw new StoreConflictError(key, attempt, { cause: err });
      await delay(conflictWait.backoff(attempt - 1));
    }
  }
}
