// Deterministic event ids: a re-sent webhook yields the same ids, so JetStream's duplicate
// window (Nats-Msg-Id) and the event log both recognise it. Hex after a kind prefix is a
// valid NATS KV key and header value.
import { createHash } from 'node:crypto';

function digest(parts: readonly string[]): string {
  // NUL cannot occur in the JSON strings we hash, so the parts cannot run into each other.
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Id of an inbound message event: the wamid identifies it. */
export function messageEventId(wamid: string): string {
  return `msg-${digest(['msg', wamid])}`;
}

/**
 * Id of a status event: wamid + status + timestamp + recipient (and the group participant,
 * so two members reading a group message in the same second stay two events).
 */
export function statusEventId(
  wamid: string,
  status: string,
  timestamp: number,
  recipientId: string,
  participantId?: string,
): string {
  const parts = ['status', wamid, status, String(timestamp), recipientId];
  if (participantId) parts.push(participantId);
  return `status-${digest(parts)}`;
}

/**
 * Id of a field event: the change as sent (object, entry id, field, value). A re-sent
 * webhook has the same bytes, hence the same JSON, hence the same id.
 */
export function fieldEventId(object: string, wabaId: string, field: string, value: unknown): string {
  return `field-${digest(['field', object, wabaId, field, JSON.stringify(value) ?? 'undefined'])}`;
}

/** Id of a quarantined body: its exact bytes (a re-sent body is quarantined once). */
export function quarantineId(raw: Uint8Array): string {
  return `q-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}
