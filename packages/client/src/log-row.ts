// The store's event log is the change feed: each row says what its event did, with the
// key and per-key number the commit gave it. This maps a row (as the KV store writes it to
// its events bucket, or a Mongo change stream returns it) to the entry apps receive.
import { type EventLogEntry, feedKindOf } from '@wamesh/core';
import type { FeedEntry } from './entry.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A log row has an `eventId` and an event kind; an entry has neither. */
export function isLogRow(json: unknown): json is EventLogEntry {
  return isObject(json) && typeof json.eventId === 'string' && (json.kind === 'msg' || json.kind === 'status' || json.kind === 'field');
}

/** The feed entry of a log row; null for a row that is no change (a duplicate, or a row logged before the feed existed). */
export function feedEntryOfLogRow(row: EventLogEntry): FeedEntry | null {
  if (row.seq === undefined || row.feedKey === undefined || row.outcome === 'duplicate') return null;
  const kind = feedKindOf(row.kind, row.outcome);
  const entry: FeedEntry = {
    id: row.eventId,
    kind,
    key: row.feedKey,
    seq: row.seq,
    region: row.region,
    whatsappTime: row.timestamp,
    receivedAt: row.receivedAt,
    committedAt: row.appliedAt,
    event: row.payload ?? {},
  };
  if (row.phoneNumberId) entry.phoneNumberId = row.phoneNumberId;
  if (isObject(row.document)) entry.document = row.document;
  if (row.traceparent) entry.traceparent = row.traceparent;
  const flags: NonNullable<FeedEntry['flags']> = {};
  if (kind === 'message.late') flags.late = true;
  if (isObject(row.document) && row.document.ambiguous === true) flags.ambiguous = true;
  if (Object.keys(flags).length) entry.flags = flags;
  if (row.field !== undefined) entry.field = row.field;
  if (row.status !== undefined) entry.status = row.status;
  if (row.type !== undefined) entry.type = row.type;
  if (row.beatenBy) entry.beatenBy = row.beatenBy;
  return entry;
}
