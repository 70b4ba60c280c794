import type { EventLogEntry } from '@wamesh/core';
import type { KV } from '@nats-io/kv';
import type { LogAppendResult } from '../types.ts';
import { isCasConflict } from './cas.ts';
import { eventIdOfTimelineKey, eventKey, timelineFilter, timelineKey } from './keys.ts';

/** Creates a key that must exist once; false when it already did. */
export async function createOnce(kv: KV, key: string, value: string): Promise<boolean> {
  try {
    await kv.create(key, value);
    return true;
  } catch (err) {
    if (isCasConflict(err)) return false;
    throw err;
  }
}

/**
 * `create` of `e.<id>` is the idempotency check: one writer wins, the others see a
 * duplicate. The timeline markers are created by every writer (also for a duplicate), so
 * a writer that died between the two steps leaves nothing missing once the event is redelivered.
 */
async function appendOne(kv: KV, entry: EventLogEntry): Promise<boolean> {
  const inserted = await createOnce(kv, eventKey(entry.eventId), JSON.stringify(entry));
  const keys = new Set([entry.wamid, ...entry.ids].filter((k) => k !== ''));
  await Promise.all([...keys].map((k) => createOnce(kv, timelineKey(k, entry.eventId), '')));
  return inserted;
}

export async function appendEvents(kv: KV, entries: readonly EventLogEntry[]): Promise<LogAppendResult> {
  // The same id twice in one call: the second copy is a duplicate, whichever create lands first.
  const firstIndex = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!firstIndex.has(e.eventId)) firstIndex.set(e.eventId, i);
  });
  const created = await Promise.all(
    entries.map((e, i) => (firstIndex.get(e.eventId) === i ? appendOne(kv, e) : Promise.resolve(false))),
  );
  const inserted: string[] = [];
  const duplicates: string[] = [];
  entries.forEach((e, i) => {
    (created[i] ? inserted : duplicates).push(e.eventId);
  });
  return { inserted, duplicates };
}

const byTimeline = (a: EventLogEntry, b: EventLogEntry): number =>
  a.timestamp - b.timestamp || a.receivedAt - b.receivedAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

export async function timelineOf(kv: KV, key: string): Promise<EventLogEntry[]> {
  const ids: string[] = [];
  for await (const k of await kv.keys(timelineFilter(key))) ids.push(eventIdOfTimelineKey(k));
  const entries = await Promise.all(ids.map((id) => kv.get(eventKey(id))));
  return entries
    .filter((e) => e !== null && e.operation === 'PUT')
    .map((e) => e!.json<EventLogEntry>())
    .sort(byTimeline);
}
