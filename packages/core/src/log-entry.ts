// The event-log row of an event: what the consumer appends once per event id after applying it.
import type { Envelope, EventLogEntry, Outcome, WaEvent, Winner } from './types.ts';
import { userKeyOf } from './user-key.ts';

export function logEntryOf(
  { event, meta }: Envelope<WaEvent>,
  result: { outcome: Outcome; beatenBy?: Winner & { bySeconds: number } },
  appliedAt: number,
): EventLogEntry {
  const entry: EventLogEntry = {
    eventId: event.id,
    kind: event.kind,
    key: event.key,
    wamid: event.wamid,
    userIds: userIdsOf(event),
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
