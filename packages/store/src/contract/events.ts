// Test events made the way the ingress makes them: a Cloud API webhook body, validated and
// normalized (core's webhookEvents), plus transport meta.
import {
  type ChangeSpec,
  type Envelope,
  type EventMeta,
  type InboundSpec,
  type MessageEvent,
  type StatusEvent,
  type StatusSpec,
  type WaEvent,
  webhookEvents,
} from '@wamesh/core';

export const SHARDS = 16;
export const BUSINESS = '106540352242922';
export const WABA = '102290129340398';

export interface MetaSpec {
  region?: string;
  /** Ingress receive time, epoch ms; default: the WhatsApp timestamp. */
  receivedAt?: number;
  traceparent?: string;
}

function eventOf(change: ChangeSpec): WaEvent {
  const events = webhookEvents([{ wabaId: WABA, changes: [change] }], SHARDS);
  if (events.length !== 1) throw new Error(`expected one event, got ${events.length}`);
  return events[0]!;
}

function metaOf(timestamp: number, spec: MetaSpec): EventMeta {
  const meta: EventMeta = { region: spec.region ?? 'eu', receivedAt: spec.receivedAt ?? timestamp * 1000 };
  if (spec.traceparent !== undefined) meta.traceparent = spec.traceparent;
  return meta;
}

export function statusEnvelope(
  spec: Omit<StatusSpec, 'recipientId'> & { recipientId?: string; phoneNumberId?: string },
  meta: MetaSpec = {},
): Envelope<StatusEvent> {
  const { phoneNumberId = BUSINESS, recipientId = '16315551181', ...rest } = spec;
  const event = eventOf({ phoneNumberId, statuses: [{ ...rest, recipientId }] }) as StatusEvent;
  return { event, meta: metaOf(event.timestamp, meta) };
}

export function inboundEnvelope(spec: InboundSpec & { phoneNumberId?: string }, meta: MetaSpec = {}): Envelope<MessageEvent> {
  const { phoneNumberId = BUSINESS, ...rest } = spec;
  const event = eventOf({ phoneNumberId, messages: [rest] }) as MessageEvent;
  return { event, meta: metaOf(event.timestamp, meta) };
}
