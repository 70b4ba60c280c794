import { type Attributes, type Context, context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { EventMeta, WaEvent } from '@wamesh/core';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_WA_BEATEN_BY,
  ATTR_WA_EVENT_ID,
  ATTR_WA_INVERSION_SECONDS,
  ATTR_WA_KIND,
  ATTR_WA_REGION,
  ATTR_WA_SHARD,
  ATTR_WA_STATUS,
  ATTR_WA_TIMESTAMP,
  ATTR_WA_USER_ID,
  ATTR_WA_WA_ID,
  ATTR_WA_WAMID,
  EVENT_WA_INVERSION,
  MESSAGING_SYSTEM_NATS,
  MessagingOperation,
  type MessagingOperationType,
} from './attributes.ts';
import { linkToTraceparent } from './propagation.ts';

/** The tracer wamesh's own spans come from. */
export function wameshTracer() {
  return trace.getTracer('wamesh');
}

/** The `wa.*` attributes of one event (and the region that received it). */
export function eventAttributes(event: WaEvent, region?: string): Attributes {
  const attrs: Attributes = {
    [ATTR_WA_EVENT_ID]: event.id,
    [ATTR_WA_KIND]: event.kind,
    [ATTR_WA_WAMID]: event.wamid,
    [ATTR_WA_TIMESTAMP]: event.timestamp,
    [ATTR_WA_SHARD]: event.shard,
  };
  const waId = event.kind === 'msg' ? event.user.waId : event.recipientId;
  const userId = event.kind === 'msg' ? event.user.userId : event.recipientUserId;
  if (waId !== undefined) attrs[ATTR_WA_WA_ID] = waId;
  if (userId !== undefined) attrs[ATTR_WA_USER_ID] = userId;
  if (event.kind === 'status') attrs[ATTR_WA_STATUS] = event.status;
  if (region !== undefined) attrs[ATTR_WA_REGION] = region;
  return attrs;
}

/** Messaging attributes of one NATS message span (OTel messaging conventions). */
export function messagingAttributes(
  operation: MessagingOperationType,
  operationName: string,
  subject: string,
  messageId?: string,
): Attributes {
  const attrs: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_NATS,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_OPERATION_NAME]: operationName,
    [ATTR_MESSAGING_DESTINATION_NAME]: subject,
  };
  if (messageId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_ID] = messageId;
  return attrs;
}

/** Messaging + `wa.*` attributes of a span about one event on `subject`. */
function eventSpanAttributes(
  operation: MessagingOperationType,
  event: WaEvent,
  subject: string,
  region: string,
): Attributes {
  const attrs = eventAttributes(event, region);
  attrs[ATTR_MESSAGING_SYSTEM] = MESSAGING_SYSTEM_NATS;
  attrs[ATTR_MESSAGING_OPERATION_TYPE] = operation;
  attrs[ATTR_MESSAGING_OPERATION_NAME] = operation === MessagingOperation.send ? 'publish' : operation;
  attrs[ATTR_MESSAGING_DESTINATION_NAME] = subject;
  attrs[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(event.shard);
  attrs[ATTR_MESSAGING_MESSAGE_ID] = event.id;
  return attrs;
}

/**
 * A PRODUCER span for publishing one event to `subject`, child of `parent` (default: the
 * active context). Its W3C headers (traceHeadersOf) belong in the event's meta.
 */
export function startPublishSpan(event: WaEvent, subject: string, meta: Pick<EventMeta, 'region'>, parent?: Context): Span {
  const span = wameshTracer().startSpan(`publish ${subject}`, { kind: SpanKind.PRODUCER }, parent ?? context.active());
  // Attributes only for a span that records: building them is most of a span's cost.
  if (span.isRecording()) span.setAttributes(eventSpanAttributes(MessagingOperation.send, event, subject, meta.region));
  return span;
}

/**
 * A CONSUMER span for processing one event taken from `subject`, child of the producer
 * span whose context came in the message headers (`extractTraceContext(msg.headers)`).
 */
export function startProcessSpan(
  event: WaEvent,
  subject: string,
  meta: Pick<EventMeta, 'region'>,
  parent: Context,
  extra?: Attributes,
): Span {
  const span = wameshTracer().startSpan(`process ${subject}`, { kind: SpanKind.CONSUMER }, parent);
  if (span.isRecording()) {
    span.setAttributes(eventSpanAttributes(MessagingOperation.process, event, subject, meta.region));
    if (extra) span.setAttributes(extra);
  }
  return span;
}

/** Who beat a stale event (the core `Winner` plus the inversion in WhatsApp seconds). */
export interface BeatenBy {
  eventId: string;
  timestamp: number;
  region: string;
  traceparent?: string;
  bySeconds: number;
}

/**
 * Makes an inversion visible on a stale event's span: an event naming the newer event
 * that won and by how many seconds, and a link to that event's trace.
 */
export function recordInversion(span: Span, beatenBy: BeatenBy): void {
  const attrs: Attributes = {
    [ATTR_WA_BEATEN_BY]: beatenBy.eventId,
    [ATTR_WA_INVERSION_SECONDS]: beatenBy.bySeconds,
    'wa.winner.timestamp': beatenBy.timestamp,
    'wa.winner.region': beatenBy.region,
  };
  span.setAttributes({ [ATTR_WA_BEATEN_BY]: beatenBy.eventId, [ATTR_WA_INVERSION_SECONDS]: beatenBy.bySeconds });
  span.addEvent(EVENT_WA_INVERSION, attrs);
  const link = linkToTraceparent(beatenBy.traceparent, { [ATTR_WA_BEATEN_BY]: beatenBy.eventId });
  if (link) span.addLink(link);
}
