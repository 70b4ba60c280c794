// Business state keyed by the business a field event concerns: per field, its latest event
// by (time, event id). A join like the conversation's; every new field event is a change of
// its business in the feed (`field` entries, numbered per business).
import { compareWinners } from './order.ts';
import type { BusinessDoc, FieldEnvelope, FieldEvent, Winner } from './types.ts';

/** The business of a field event: its phone number when the change names one, else its WABA. */
export function businessIdOf(event: FieldEvent): string {
  return event.phoneNumberId ?? event.wabaId;
}

export function businessDocOf({ event, meta }: FieldEnvelope): BusinessDoc {
  const latest: Winner = { eventId: event.id, timestamp: event.time ?? Math.floor(meta.receivedAt / 1000), region: meta.region };
  if (meta.traceparent !== undefined) latest.traceparent = meta.traceparent;
  return { businessId: businessIdOf(event), latest: { [event.field]: latest } };
}

/** The join: per field, the later event (time, then event id). */
export function joinBusinessDocs(a: BusinessDoc, b: BusinessDoc): BusinessDoc {
  const latest: Record<string, Winner> = { ...a.latest };
  for (const [field, winner] of Object.entries(b.latest)) {
    const held = latest[field];
    latest[field] = held && compareWinners(held, winner) >= 0 ? held : winner;
  }
  return { businessId: a.businessId, latest };
}
