// A small builder of Cloud API webhook bodies (and of the events the ingress makes of
// them), for tests and `wamesh simulate`.
import { sequencedEvents } from './split.ts';
import type { StatusName, WaEvent } from './types.ts';

type Json = Record<string, unknown>;
/** A webhook body as built here (plain JSON). */
export interface Webhook {
  object: string;
  entry: { id: string; changes: { field: string; value: Json }[] }[];
}

export interface InboundSpec {
  /** The user's wa_id (`from`); absent for a user with a username, who has only a BSUID. */
  from?: string;
  /** The user's BSUID: `from_user_id` on the message and `user_id` on its contact. */
  userId?: string;
  /** The user's username, on the contact's profile. */
  username?: string;
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
  recipientId?: string;
  /** `recipient_user_id` (BSUID). */
  recipientUserId?: string;
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
  return sequencedEvents(JSON.parse(JSON.stringify(buildWebhook(entries))), shards);
}

function changeValue(change: ChangeSpec): Json {
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

/** One contact per sender that has a name, a BSUID or a username (as Meta lists them). */
function contactsOf(messages: readonly InboundSpec[]): Json[] {
  const byId = new Map<string, Json>();
  for (const m of messages) {
    const key = m.userId ?? m.from ?? '';
    if (byId.has(key) || (m.name === undefined && m.userId === undefined && m.username === undefined)) continue;
    const contact: Json = {};
    const profile: Json = {};
    if (m.name !== undefined) profile.name = m.name;
    if (m.username !== undefined) profile.username = m.username;
    if (Object.keys(profile).length) contact.profile = profile;
    if (m.from !== undefined) contact.wa_id = m.from;
    if (m.userId !== undefined) contact.user_id = m.userId;
    byId.set(key, contact);
  }
  return [...byId.values()];
}

function messageOf(spec: InboundSpec, business: string): Json {
  const type = spec.type ?? 'text';
  const message: Json = { id: spec.id, timestamp: String(spec.timestamp), type };
  if (spec.from !== undefined) message.from = spec.from;
  if (spec.userId !== undefined) message.from_user_id = spec.userId;
  if (spec.replyTo !== undefined) message.context = { from: business, id: spec.replyTo };
  if (type === 'text') message.text = { body: spec.text ?? 'hi' };
  return { ...message, ...spec.fields };
}

function statusOf(spec: StatusSpec): Json {
  const status: Json = { id: spec.id, status: spec.status, timestamp: String(spec.timestamp) };
  if (spec.recipientId !== undefined) status.recipient_id = spec.recipientId;
  if (spec.recipientUserId !== undefined) status.recipient_user_id = spec.recipientUserId;
  if (spec.conversation) status.conversation = spec.conversation;
  if (spec.pricing) status.pricing = spec.pricing;
  if (spec.errors) status.errors = spec.errors;
  if (spec.bizOpaqueCallbackData !== undefined) status.biz_opaque_callback_data = spec.bizOpaqueCallbackData;
  return { ...status, ...spec.fields };
}
