import type { EventLogEntry } from '@wamesh/core';
import { MongoBulkWriteError } from 'mongodb';
import type { LogAppendResult } from '../types.ts';
import { type Collections, MAJORITY, type StoredEvent } from './collections.ts';

const DUPLICATE_KEY = 11000;

const toStored = ({ eventId, ...rest }: EventLogEntry): StoredEvent => ({
  ...(JSON.parse(JSON.stringify(rest)) as Omit<EventLogEntry, 'eventId'>),
  _id: eventId,
  loggedAt: new Date(),
});

/** A stored row as the log entry it was (also what the relay's change stream reads). */
export const fromStoredEvent = ({ _id, loggedAt, ...rest }: StoredEvent): EventLogEntry => ({ eventId: _id, ...rest });

/** One unordered insertMany: the unique `_id` (the event id) is the idempotency check. */
export async function appendEvents(c: Collections, entries: readonly EventLogEntry[]): Promise<LogAppendResult> {
  if (entries.length === 0) return { inserted: [], duplicates: [] };
  const duplicateIndexes = new Set<number>();
  try {
    await c.events.insertMany(entries.map(toStored), { ordered: false, writeConcern: MAJORITY });
  } catch (err) {
    // Anything but duplicate keys (a write-concern failure included) fails the whole append.
    if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError()) throw err;
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    for (const e of writeErrors) {
      if (e.code !== DUPLICATE_KEY) throw err;
      duplicateIndexes.add(e.index);
    }
  }
  const inserted: string[] = [];
  const duplicates: string[] = [];
  entries.forEach((e, i) => {
    (duplicateIndexes.has(i) ? duplicates : inserted).push(e.eventId);
  });
  return { inserted, duplicates };
}

/** Which of these event ids the log holds. */
export async function loggedOf(c: Collections, eventIds: string[]): Promise<Set<string>> {
  const rows = await c.events.find({ _id: { $in: eventIds } }, { projection: { _id: 1 } }).toArray();
  return new Set(rows.map((r) => r._id));
}

/** Every logged event of a wamid or wa_id, in WhatsApp order (then receive time, then id). */
export async function timelineOf(c: Collections, key: string): Promise<EventLogEntry[]> {
  const rows = await c.events
    .find({ $or: [{ wamid: key }, { ids: key }] })
    .sort({ timestamp: 1, receivedAt: 1, _id: 1 })
    .toArray();
  return rows.map(fromStoredEvent);
}
