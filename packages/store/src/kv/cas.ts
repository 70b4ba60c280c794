import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { backoff, delay } from '@nats-io/nats-core';
import { StoreConflictError } from '../errors.ts';

const MAX_ATTEMPTS = 50;

/** Another writer changed the key between our read and our write. */
export function isCasConflict(err: unknown): boolean {
  if (!(err instanceof JetStreamApiError)) return false;
  return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
}

// Between lost races: short waits, jittered so the writers stop colliding (nats-core's
// backoff, the repository's one retry policy, used directly as the store does not use the bus).
const conflictWait = backoff([2, 4, 8, 16, 32, 50]);

/**
 * Compare-and-set on the key's revision: read, compute the next value from what is
 * stored, then `create` (no value yet) or `update(…, revision)`. When another writer got
 * there first the write is refused and `next` runs again on what it wrote. `next` returning
 * null writes nothing (batch.ts returns null when neither state nor feed changed).
 */
export async function casUpdate<D>(
  kv: KV,
  key: string,
  next: (stored: D | null) => Promise<D | null>,
  onConflict?: (key: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key);
    const stored = entry && entry.operation === 'PUT' ? entry.json<D>() : null;
    const after = await next(stored);
    if (after === null) return;
    const value = JSON.stringify(after);
    try {
      if (entry) await kv.update(key, value, entry.revision);
      else await kv.create(key, value);
      return;
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      onConflict?.(key);
      if (attempt >= MAX_ATTEMPTS) throw new StoreConflictError(key, attempt, { cause: err });
      await delay(conflictWait.backoff(attempt - 1));
    }
  }
}
