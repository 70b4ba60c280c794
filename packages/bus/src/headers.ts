// Header names of the messaging contract (docs/TEAM-NOTES.md) and the EventMeta codec.
import { headers as natsHeaders, Match, type MsgHdrs } from '@nats-io/nats-core';
import type { EventMeta } from '@wamesh/core';
import { InvalidMetaError } from './errors.ts';

/** JetStream de-duplication id; set through the publish option `msgID` (= event id). */
export const HEADER_MSG_ID = 'Nats-Msg-Id';
export const HEADER_TRACEPARENT = 'traceparent';
export const HEADER_TRACESTATE = 'tracestate';
/** Region whose ingress received the webhook. */
export const HEADER_REGION = 'Wa-Region';
/** Ingress receive time, epoch milliseconds. */
export const HEADER_RECEIVED_AT = 'Wa-Received-At';
/** Dead letters: why the message was given up. */
export const HEADER_DEAD_REASON = 'Wa-Dead-Reason';
/** Dead letters: the input subject the message came from. */
export const HEADER_DEAD_SUBJECT = 'Wa-Dead-Subject';

/** The transport headers of an event (everything but Nats-Msg-Id, which is a publish option). */
export function encodeMeta(meta: EventMeta, into: MsgHdrs = natsHeaders()): MsgHdrs {
  into.set(HEADER_REGION, meta.region);
  into.set(HEADER_RECEIVED_AT, String(meta.receivedAt));
  if (meta.traceparent) into.set(HEADER_TRACEPARENT, meta.traceparent);
  if (meta.tracestate) into.set(HEADER_TRACESTATE, meta.tracestate);
  return into;
}

/** EventMeta back from message headers; throws InvalidMetaError when region or receive time is missing. */
export function decodeMeta(headers: MsgHdrs | undefined): EventMeta {
  const get = (key: string): string => headers?.get(key, Match.IgnoreCase) ?? '';
  const region = get(HEADER_REGION);
  if (!region) throw new InvalidMetaError(`header ${HEADER_REGION} is missing`);
  const rawAt = get(HEADER_RECEIVED_AT);
  const receivedAt = Number(rawAt);
  if (!rawAt || !Number.isSafeInteger(receivedAt) || receivedAt < 0) {
    throw new InvalidMetaError(`header ${HEADER_RECEIVED_AT} is not epoch milliseconds: ${JSON.stringify(rawAt)}`);
  }
  const meta: EventMeta = { region, receivedAt };
  const traceparent = get(HEADER_TRACEPARENT);
  const tracestate = get(HEADER_TRACESTATE);
  if (traceparent) meta.traceparent = traceparent;
  if (tracestate) meta.tracestate = tracestate;
  return meta;
}
