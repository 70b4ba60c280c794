// The event-log row of an event: what the consumer appends once per event id after applying it.
import type { Envelope, EventLogEntry, Outcome, WaEvent, Winner } from './types.ts';

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
    waId: event.kind === 'msg' ? event.waId : event.recipientId,
    phoneNumberId: event.phoneNumberId,
    timestamp: event.timestamp,
    region: meta.region,
    receivedAt: meta.receivedAt,
    appliedAt,
    outcome: result.outcome,
  };
  if (event.kind === 'status') entry.status = event.status;
  else entry.type = event.type;
  if (meta.traceparent) entry.traceparent = meta.traceparent;
  if (result.beatenBy) entry.beatenBy = result.beatenBy;
  return entry;
}
