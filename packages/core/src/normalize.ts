// Webhook → events: one event per message and per status, across every entry and change.
import { messageEventId, statusEventId } from './event-id.ts';
import { shardOf } from './names.ts';
import type { MessageEvent, StatusEvent, WaEvent } from './types.ts';
import {
  type MessagesValue,
  WABA_OBJECT,
  type Webhook,
  type WebhookContact,
  type WebhookMessage,
  type WebhookStatus,
} from './webhook.schema.ts';

export interface Skipped {
  object?: string;
  field?: string;
  reason: string;
}

export interface Normalized {
  events: WaEvent[];
  skipped: Skipped[];
}

/** Turns a webhook that passed `parseWebhook` into events; what carries none goes to `skipped`. */
export function normalize(webhook: Webhook, shards: number): Normalized {
  const events: WaEvent[] = [];
  const skipped: Skipped[] = [];
  const object = webhook.object;
  if (object !== WABA_OBJECT) {
    skipped.push({ object, reason: `object is not ${WABA_OBJECT}` });
    return { events, skipped };
  }
  for (const entry of webhook.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') {
        skipped.push({ object, field: change.field, reason: 'field is not messages' });
        continue;
      }
      // parseWebhook validated every `messages` value of a WhatsApp webhook.
      const value = change.value as MessagesValue;
      const phoneNumberId = value.metadata.phone_number_id;
      const base = { phoneNumberId, wabaId: entry.id };
      const messages = value.messages ?? [];
      const contactName = contactNames(messages, value.contacts ?? []);
      for (const message of messages) {
        events.push(messageEvent(message, contactName(message.from), base, shards));
      }
      for (const status of value.statuses ?? []) {
        events.push(statusEvent(status, base, shards));
      }
      for (const error of value.errors ?? []) {
        const what = [error.code, error.title, error.message].filter((x) => x !== undefined);
        skipped.push({ object, field: change.field, reason: `value.errors: ${what.join(' ')}` });
      }
    }
  }
  return { events, skipped };
}

type Base = { phoneNumberId: string; wabaId: string };

function messageEvent(
  message: WebhookMessage,
  name: string | undefined,
  base: Base,
  shards: number,
): MessageEvent {
  const event: MessageEvent = {
    id: messageEventId(message.id),
    kind: 'msg',
    key: message.from,
    shard: shardOf(message.from, shards),
    ...base,
    timestamp: Number(message.timestamp),
    wamid: message.id,
    waId: message.from,
    type: typeOf(message),
    message: message as Record<string, unknown>,
  };
  if (message.context?.id) event.contextWamid = message.context.id;
  if (name !== undefined) event.contactName = name;
  return event;
}

const PAYLOAD_KEYS = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
] as const;

/** The message's type; when absent, the payload it carries names it (else `unknown`). */
export function typeOf(message: WebhookMessage): string {
  return message.type ?? PAYLOAD_KEYS.find((key) => message[key] !== undefined) ?? 'unknown';
}

// Contacts' wa_id can differ from `from` (Brazilian numbers gain or lose a digit), so when
// one sender and one contact share a change, that contact is the sender's.
function contactNames(
  messages: WebhookMessage[],
  contacts: WebhookContact[],
): (from: string) => string | undefined {
  const lone = contacts.length === 1 && new Set(messages.map((m) => m.from)).size === 1 ? contacts[0] : undefined;
  return (from) => (contacts.find((c) => c.wa_id === from) ?? lone)?.profile?.name;
}

function statusEvent(status: WebhookStatus, base: Base, shards: number): StatusEvent {
  const timestamp = Number(status.timestamp);
  const event: StatusEvent = {
    id: statusEventId(status.id, status.status, timestamp, status.recipient_id, status.recipient_participant_id),
    kind: 'status',
    key: status.id,
    shard: shardOf(status.id, shards),
    ...base,
    timestamp,
    wamid: status.id,
    status: status.status,
    recipientId: status.recipient_id,
  };
  if (status.conversation) event.conversation = status.conversation;
  if (status.pricing) event.pricing = status.pricing;
  if (status.errors) event.errors = status.errors;
  if (status.biz_opaque_callback_data !== undefined) event.bizOpaqueCallbackData = status.biz_opaque_callback_data;
  return event;
}
