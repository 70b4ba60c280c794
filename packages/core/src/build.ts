// A small builder of Cloud API webhook bodies (and of the events the ingress makes of
// them), for tests and `wamesh simulate`.
import { CoreError } from './errors.ts';
import { normalize } from './normalize.ts';
import { parseWebhook } from './parse.ts';
import type { StatusName, WaEvent } from './types.ts';
import type { Webhook, WebhookContact, WebhookMessage, WebhookStatus } from './webhook.schema.ts';

export interface InboundSpec {
  /** The user's wa_id. */
  from: string;
  /** wamid. */
  id: string;
  /** Unix seconds. */
  timestamp: number;
  /** Default `text`. */
  type?: string;
  /** Body of a text message (default "hi"). */
  text?: string;
  /** The sender's profile name, listed in value.contacts. */
  name?: string;
  /** wamid this message replies to. */
  replyTo?: string;
  /** Extra fields of the message object, e.g. `{ image: { id: '1', mime_type: 'image/jpeg' } }`. */
  fields?: Record<string, unknown>;
}

export interface StatusSpec {
  /** wamid of the outbound message. */
  id: string;
  status: StatusName;
  timestamp: number;
  recipientId: string;
  conversation?: Record<string, unknown>;
  pricing?: Record<string, unknown>;
  errors?: Record<string, unknown>[];
  bizOpaqueCallbackData?: string;
  /** Extra fields of the status object (e.g. group fields). */
  fields?: Record<string, unknown>;
}

export interface ChangeSpec {
  phoneNumberId: string;
  /** Default: derived from phoneNumberId. */
  displayPhoneNumber?: string;
  messages?: InboundSpec[];
  statuses?: StatusSpec[];
}

export interface EntrySpec {
  /** WhatsApp Business Account id. */
  wabaId: string;
  changes: ChangeSpec[];
}

/** A `whatsapp_business_account` webhook body with one `messages` change per ChangeSpec. */
export function buildWebhook(entries: readonly EntrySpec[]): Webhook {
  return {
    object: 'whatsapp_business_account',
    entry: entries.map((entry) => ({
      id: entry.wabaId,
      changes: entry.changes.map((change) => ({ field: 'messages', value: changeValue(change) })),
    })),
  };
}

/**
 * The events the ingress makes of a built webhook: the body as JSON, validated and
 * normalized. A spec the schema rejects is a bug in the test or scenario: CoreError E_SPEC.
 */
export function webhookEvents(entries: readonly EntrySpec[], shards: number): WaEvent[] {
  const parsed = parseWebhook(JSON.parse(JSON.stringify(buildWebhook(entries))));
  if (!parsed.ok) throw new CoreError('E_SPEC', `built webhook rejected: ${parsed.error}`);
  return normalize(parsed.webhook, shards).events;
}

function changeValue(change: ChangeSpec): Record<string, unknown> {
  const display = change.displayPhoneNumber ?? '15550000000';
  const value: Record<string, unknown> = {
    messaging_product: 'whatsapp',
    metadata: {
      display_phone_number: display,
      phone_number_id: change.phoneNumberId,
    },
  };
  const messages = change.messages ?? [];
  const contacts = contactsOf(messages);
  if (contacts.length) value.contacts = contacts;
  if (messages.length) value.messages = messages.map((m) => messageOf(m, display));
  if (change.statuses?.length) value.statuses = change.statuses.map(statusOf);
  return value;
}

function contactsOf(messages: readonly InboundSpec[]): WebhookContact[] {
  const byId = new Map<string, WebhookContact>();
  for (const m of messages) {
    if (m.name !== undefined && !byId.has(m.from)) byId.set(m.from, { profile: { name: m.name }, wa_id: m.from });
  }
  return [...byId.values()];
}

function messageOf(spec: InboundSpec, business: string): WebhookMessage {
  const type = spec.type ?? 'text';
  const message: WebhookMessage = { from: spec.from, id: spec.id, timestamp: String(spec.timestamp), type };
  if (spec.replyTo !== undefined) message.context = { from: business, id: spec.replyTo };
  if (type === 'text') message.text = { body: spec.text ?? 'hi' };
  return { ...message, ...spec.fields };
}

function statusOf(spec: StatusSpec): WebhookStatus {
  const status: WebhookStatus = {
    id: spec.id,
    status: spec.status,
    timestamp: String(spec.timestamp),
    recipient_id: spec.recipientId,
  };
  if (spec.conversation) status.conversation = spec.conversation;
  if (spec.pricing) status.pricing = spec.pricing;
  if (spec.errors) status.errors = spec.errors;
  if (spec.bizOpaqueCallbackData !== undefined) status.biz_opaque_callback_data = spec.bizOpaqueCallbackData;
  return { ...status, ...spec.fields };
}
