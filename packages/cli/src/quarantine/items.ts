// Reading the quarantine stream WAQUAR_<R>: each message is a signed body the ingress could
// not wholly sequence, its exact bytes, with the parts it rejected (path, reason) and the
// request's region, receive time and trace context in its headers.
import type { JetStreamManager } from '@nats-io/jetstream';
import { decodeQuarantined, HEADER_MSG_ID, HEADER_TRACEPARENT } from '@wamesh/bus';
import { type RejectedPart, streamNames } from '@wamesh/core';
import { header, type StreamRecord, type StreamState, streamState } from '../streams.ts';
import { traceIdOf } from '../view/style.ts';

/** What `quarantine list` shows of a quarantined body. */
export interface QuarantineView {
  seq: number;
  /** `Wa-Region`: the region whose ingress received the body. */
  region: string | null;
  /** `Wa-Received-At` as ISO time. */
  receivedAt: string | null;
  /** When the quarantine stored it (a replay that re-quarantines stores it anew). */
  quarantinedAt: string;
  traceId: string | null;
  traceparent: string | null;
  msgId: string | null;
  bytes: number;
  /** Parts rejected in all; `parts` may be shorter (the header list is bounded). */
  count: number;
  parts: RejectedPart[];
}

export function quarantineViewOf(rec: StreamRecord): QuarantineView {
  const body = decodeQuarantined(rec.data, rec.headers);
  const traceparent = header(rec.headers, HEADER_TRACEPARENT);
  return {
    seq: rec.seq,
    region: body.meta.region || null,
    receivedAt: body.meta.receivedAt > 0 ? new Date(body.meta.receivedAt).toISOString() : null,
    quarantinedAt: rec.storedAt.toISOString(),
    traceId: traceIdOf(traceparent ?? undefined) ?? null,
    traceparent,
    msgId: header(rec.headers, HEADER_MSG_ID),
    bytes: rec.data.length,
    count: body.count,
    parts: body.rejected,
  };
}

/** Count and sequence range of a region's quarantine; NOT_FOUND when the region was never provisioned. */
export const quarantineState = (jsm: JetStreamManager, region: string): Promise<StreamState> =>
  streamState(jsm, region, streamNames(region).quarantine);
