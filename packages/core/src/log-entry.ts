// The event-log row of an event: what the consumer appends once per event id after applying it.
import { businessIdOf } from './business.ts';
import { conversationFeedKey, fieldFeedKey, messageFeedKey } from './feed.ts';
import type { Envelope, EventLogEntry, FieldEnvelope, Outcome, WaEvent, Winner } from './types.ts';
import { userKeyOf } from './user-key.ts';

export function logEntryOf(
  { event, meta }: Envelope<WaEvent>,
  result: { outcome: Outcome; beatenBy?: Winner & { bySeconds: number }; seq?: number; document?: unknown },
  appliedAt: number,
): EventLogEntry {
  const entry: EventLogEntry = {
    eventId: event.id,
    kind: event.kind,
    key: event.key,
    wamid: event.wamid,
    ids: userIdsOf(event),
    phoneNumberId: event.phoneNumberId,
    timestamp: event.timestamp,
    region: meta.region,
    receivedAt: meta.receivedAt,
    appliedAt,
    outcome: result.outcome,
  };
  const userKey = event.kind === 'msg' ? event.userKey : userKeyOf({ userId: event.recipientUserId, waId: event.recipientId });
  if (userKey !== undefined) entry.userKey = userKey;
  if (event.kind === 'status') entry.status = event.status;
  else entry.type = event.type;
  if (meta.traceparent) entry.traceparent = meta.traceparent;
  if (result.beatenBy) entry.beatenBy = result.beatenBy;
  // A change (not a duplicate) is a feed entry: key, sequence number, the event as sent, the document.
  if (result.outcome !== 'duplicate' && result.seq !== undefined) {
    entry.feedKey = event.kind === 'msg' ? conversationFeedKey(event.phoneNumberId, event.userKey) : messageFeedKey(event.wamid);
    entry.seq = result.seq;
    const payload = event.kind === 'msg' ? event.message : event.payload;
    if (payload !== undefined) entry.payload = payload;
    if (result.document !== undefined) entry.document = result.document;
  }
  return entry;
}

/** Every user identifier an event carried, for timelines by any of them. */
function userIdsOf(event: WaEvent): string[] {
  const ids =
    event.kind === 'msg'
      ? [event.user.waId, event.user.userId, event.user.parentUserId, event.user.username]
      : [event.recipientId, event.recipientUserId];
  return [...new Set(ids.filter((id): id is string => id !== undefined && id !== ''))];
}

/** The event-log row of a field event: found by its business number and WABA; a new one is a `field` feed entry. */
export function fieldLogEntryOf(
  { event, meta }: FieldEnvelope,
  result: { outcome: Outcome; seq?: number; document?: unknown },
  appliedAt: number,
): EventLogEntry {
  const businessId = businessIdOf(event);
  const entry: EventLogEntry = {
    eventId: event.id,
    kind: 'field',
    field: event.field,
    key: businessId,
    wamid: '',
    ids: [...new Set([event.phoneNumberId, event.wabaId].filter((id): id is string => id !== undefined && id !== ''))],
    phoneNumberId: event.phoneNumberId ?? '',
    // Field events carry no WhatsApp time of their own; entry.time when Meta sent it.
    timestamp: event.time ?? Math.floor(meta.receivedAt / 1000),
    region: meta.region,
    receivedAt: meta.receivedAt,
    appliedAt,
    outcome: result.outcome,
  };
  if (meta.traceparent) entry.traceparent = meta.traceparent;
  if (result.outcome !== 'duplicate' && result.seq !== undefined) {
    entry.feedKey = fieldFeedKey(businessId);
    entry.seq = result.seq;
    entry.payload = { object: event.object, field: event.field, wabaId: event.wabaId, value: event.value };
    if (result.document !== undefined) entry.document = result.document;
  }
  return entry;
}
