// Envelope builders for core's own tests (not part of the public surface).
import { messageEventId, statusEventId } from './event-id.ts';
import { shardOf } from './names.ts';
import type { Envelope, MessageEvent, StatusEvent } from './types.ts';

export const PNID = '106540352242922';

export interface StatusInput {
  status: string;
  ts: number;
  wamid?: string;
  recipient?: string;
  region?: string;
  receivedAt?: number;
  traceparent?: string;
  extra?: Partial<Pick<StatusEvent, 'conversation' | 'pricing' | 'errors' | 'bizOpaqueCallbackData'>>;
}

export function statusEnv(input: StatusInput): Envelope<StatusEvent> {
  const wamid = input.wamid ?? 'wamid.OUT1';
  const recipient = input.recipient ?? '16505551234';
  const event: StatusEvent = {
    id: statusEventId(wamid, input.status, input.ts, recipient),
    kind: 'status',
    key: wamid,
    shard: shardOf(wamid, 16),
    phoneNumberId: PNID,
    wabaId: '102290129340398',
    timestamp: input.ts,
    wamid,
    status: input.status,
    recipientId: recipient,
    ...input.extra,
  };
  const meta: Envelope['meta'] = { region: input.region ?? 'eu', receivedAt: input.receivedAt ?? input.ts * 1000 };
  if (input.traceparent !== undefined) meta.traceparent = input.traceparent;
  return { event, meta };
}

export interface MessageInput {
  wamid: string;
  ts: number;
  waId?: string;
  type?: string;
  region?: string;
  receivedAt?: number;
  traceparent?: string;
  contactName?: string;
  replyTo?: string;
}

export function messageEnv(input: MessageInput): Envelope<MessageEvent> {
  const waId = input.waId ?? '16505551234';
  const type = input.type ?? 'text';
  const event: MessageEvent = {
    id: messageEventId(input.wamid),
    kind: 'msg',
    key: waId,
    shard: shardOf(waId, 16),
    phoneNumberId: PNID,
    wabaId: '102290129340398',
    timestamp: input.ts,
    wamid: input.wamid,
    userKey: waId,
    user: { waId },
    type,
    message: { from: waId, id: input.wamid, timestamp: String(input.ts), type },
  };
  if (input.contactName !== undefined) event.contactName = input.contactName;
  if (input.replyTo !== undefined) event.contextWamid = input.replyTo;
  const meta: Envelope['meta'] = { region: input.region ?? 'eu', receivedAt: input.receivedAt ?? input.ts * 1000 };
  if (input.traceparent !== undefined) meta.traceparent = input.traceparent;
  return { event, meta };
}
