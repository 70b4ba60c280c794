// Reading the dead-letter stream WADLQ_<R>: every message as the bus dead-letterer wrote it
// (reason, original subject, original headers minus Nats-*, original payload), plus what an
// operator wants to see of it.
import type { JetStreamManager } from '@nats-io/jetstream';
import { HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT, HEADER_RECEIVED_AT, HEADER_REGION, HEADER_TRACEPARENT } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { header, type StreamRecord, type StreamState, streamState } from '../streams.ts';

/** One message of a dead-letter stream; it was stored when it was dead-lettered. */
export type DeadLetter = StreamRecord;

/** What `dlq list` shows of a dead letter. */
export interface DeadLetterView {
  seq: number;
  subject: string;
  /** `Wa-Dead-Subject`: the input subject it came from; null when the header is missing. */
  originalSubject: string | null;
  reason: string | null;
  /** The event's `id` from the payload; null when the payload is not an event (poison). */
  eventId: string | null;
  kind: string | null;
  wamid: string | null;
  /** `Wa-Region`: the region whose ingress received it. */
  receivedIn: string | null;
  /** `Wa-Received-At` as ISO time. */
  receivedAt: string | null;
  traceparent: string | null;
  deadAt: string;
  bytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload's event fields, when it is JSON with a string `id`; poison payloads give nulls. */
export function eventFields(data: Uint8Array): { eventId: string | null; kind: string | null; wamid: string | null } {
  try {
    const v = JSON.parse(utf8.decode(data)) as Record<string, unknown> | null;
    const s = (x: unknown) => (typeof x === 'string' && x ? x : null);
    if (v && typeof v === 'object') return { eventId: s(v.id), kind: s(v.kind), wamid: s(v.wamid) };
  } catch {
    // not JSON (or not UTF-8): a poison message, shown without event fields
  }
  return { eventId: null, kind: null, wamid: null };
}

export function viewOf(dl: DeadLetter): DeadLetterView {
  const at = Number(header(dl.headers, HEADER_RECEIVED_AT));
  return {
    seq: dl.seq,
    subject: dl.subject,
    originalSubject: header(dl.headers, HEADER_DEAD_SUBJECT),
    reason: header(dl.headers, HEADER_DEAD_REASON),
    ...eventFields(dl.data),
    receivedIn: header(dl.headers, HEADER_REGION),
    receivedAt: Number.isSafeInteger(at) && at > 0 ? new Date(at).toISOString() : null,
    traceparent: header(dl.headers, HEADER_TRACEPARENT),
    deadAt: dl.storedAt.toISOString(),
    bytes: dl.data.length,
  };
}

/** Count and sequence range of a region's DLQ; NOT_FOUND when the region was never provisioned. */
export const dlqState = (jsm: JetStreamManager, region: string): Promise<StreamState> => streamState(jsm, region, streamNames(region).dead);

