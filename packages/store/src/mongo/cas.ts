// The Mongo write of one entity: a compare-and-set on the document's `_rev` (how many times
// it was written). Read it, compute the next document (core's join plus the feed marks, in
// batch.ts), then replace it only if `_rev` is still what was read, or insert it when there
// was none; another writer in between makes the filter miss (or the insert hit E11000), and
// the next document is computed again on what that writer stored. writeConcern majority:
// an acknowledged write survives a failover.
import { MongoServerError, type WriteConcernSettings } from 'mongodb';
import type { EntityWriter, Next, Stored } from '../batch.ts';
import { StoreConflictError } from '../errors.ts';
import { conversationId, MAJORITY } from './collections.ts';

const DUPLICATE_KEY = 11000;
const MAX_ATTEMPTS = 50;

/** A document as Mongo holds it: the entity's stored form plus `_id` and `_rev`. */
export type MongoDoc = { _id: string; _rev: number } & Record<string, unknown>;

/** The driver calls the compare-and-set needs: a mongodb Collection, or an in-memory double in tests. */
export interface CasCollection {
  findOne(filter: { _id: string }): Promise<MongoDoc | null>;
  replaceOne(
    filter: { _id: string; _rev: number },
    doc: MongoDoc,
    options: { writeConcern: WriteConcernSettings },
  ): Promise<{ matchedCount: number }>;
  insertOne(doc: MongoDoc, options: { writeConcern: WriteConcernSettings }): Promise<unknown>;
}

/** A stored document back in its entity's stored shape (without `_id` and `_rev`). */
export function fromMongo<D>(doc: MongoDoc | null): Stored<D> | null {
  if (!doc) return null;
  const { _id, _rev, ...rest } = doc;
  return rest as Stored<D>;
}

export async function casUpdate<D>(c: CasCollection, id: string, next: Next<D>, onConflict?: (id: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const held = await c.findOne({ _id: id });
    const after = await next(fromMongo<D>(held));
    if (after === null) return;
    // Plain JSON: payloads may hold keys that start with `$` or contain `.`; stored as data.
    const doc = { ...(JSON.parse(JSON.stringify(after)) as Record<string, unknown>), _id: id, _rev: (held?._rev ?? 0) + 1 };
    try {
      if (held) {
        if ((await c.replaceOne({ _id: id, _rev: held._rev }, doc, { writeConcern: MAJORITY })).matchedCount === 1) return;
      } else {
        await c.insertOne(doc, { writeConcern: MAJORITY });
        return;
      }
    } catch (err) {
      if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) throw err;
    }
    onConflict?.(id);
    if (attempt >= MAX_ATTEMPTS) throw new StoreConflictError(id, attempt);
  }
}

export function mongoEntityWriter(c: {
  messages: CasCollection;
  conversations: CasCollection;
  businesses: CasCollection;
  logged(eventIds: string[]): Promise<Set<string>>;
}): EntityWriter {
  return {
    commitMessage: (wamid, next) => casUpdate(c.messages, wamid, next),
    commitConversation: (phoneNumberId, userKey, next) => casUpdate(c.conversations, conversationId(phoneNumberId, userKey), next),
    commitBusiness: (businessId, next) => casUpdate(c.businesses, businessId, next),
    logged: c.logged,
  };
}
