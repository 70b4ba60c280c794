// A signed body → what the ingress stores: events to sequence (one per inbound message and
// per status), field events (every other change, kept as sent), and the parts that cannot
// be sequenced with the reason (for quarantine). Each entry, change, message and status is
// looked at on its own, so one bad part never costs the others, and nothing is dropped:
// every part of the body ends up in exactly one of the three lists.
import type { z } from 'zod';
import { CoreError } from './errors.ts';
import { fieldEventId, messageEventId, statusEventId } from './event-id.ts';
import { shardOf } from './names.ts';
import { userKeyOf } from './user-key.ts';
import type { FieldEvent, MessageEvent, RejectedPart, StatusEvent, UserIds, WaEvent } from './types.ts';
import {
  contactSchema,
  messageSchema,
  messagesMetadataSchema,
  SEQUENCED_VALUE_KEYS,
  statusSchema,
  WABA_OBJECT,
  type WebhookContact,
  type WebhookMessage,
  type WebhookStatus,
} from './webhook.schema.ts';

export interface Split {
  events: WaEvent[];
  /** Where each event sat in the body (`entry.0.changes.1.value.messages.0`), same order as events. */
  eventPaths: string[];
  fields: FieldEvent[];
  rejected: RejectedPart[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a parsed JSON body; `json` may be anything (a non-object is one rejected part). */
export function splitWebhook(json: unknown, shards: number): Split {
  const out: Split = { events: [], eventPaths: [], fields: [], rejected: [] };
  if (!isObject(json)) reject(out, 'body', 'the body is not a JSON object');
  else if (!Array.isArray(json.entry)) reject(out, 'entry', 'expected an array of entries');
  else {
    const object = typeof json.object === 'string' ? json.object : '';
    for (const [e, entry] of json.entry.entries()) splitEntry(out, entry, `entry.${e}`, object, shards);
  }
  return out;
}

function splitEntry(out: Split, entry: unknown, at: string, object: string, shards: number): void {
  if (!isObject(entry)) {
    reject(out, at, 'expected an entry object');
    return;
  }
  if (!Array.isArray(entry.changes)) {
    reject(out, `${at}.changes`, 'expected an array of changes');
    return;
  }
  const wabaId = typeof entry.id === 'string' || typeof entry.id === 'number' ? String(entry.id) : '';
  const time = typeof entry.time === 'number' ? entry.time : undefined;
  for (const [c, change] of entry.changes.entries()) {
    const path = `${at}.changes.${c}`;
    if (!isObject(change) || typeof change.field !== 'string' || change.field === '') {
      reject(out, path, 'expected a change with a field name');
    } else if (object !== WABA_OBJECT || change.field !== 'messages') {
      out.fields.push(fieldEvent(object, change.field, wabaId, time, path, change.value));
    } else {
      splitMessagesValue(out, change.value, { object, wabaId, time, path, shards });
    }
  }
}

/**
 * The events of a body every part of which must be sequenced (bodies wamesh built itself:
 * tests, `wamesh simulate`); a rejected part is a bug there: CoreError E_SPEC naming it.
 */
export function sequencedEvents(json: unknown, shards: number): WaEvent[] {
  const { events, rejected } = splitWebhook(json, shards);
  const bad = rejected[0];
  if (bad) throw new CoreError('E_SPEC', `webhook part rejected: ${bad.path}: ${bad.reason}`);
  return events;
}

// ignoreBOM keeps a leading BOM, which JSON.parse refuses, as Buffer#toString('utf8') does.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Splits a signed body's exact bytes: a body that is not JSON is one rejected part, `body`.
 * `split` is the parser (the ingress's and a quarantine replay's: a test passes an older one).
 */
export function splitBody(raw: Uint8Array, shards: number, split: typeof splitWebhook = splitWebhook): Split {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch (err) {
    const reason = raw.length === 0 ? 'the body is empty' : `the body is not JSON: ${(err as Error).message}`;
    return { events: [], eventPaths: [], fields: [], rejected: [{ path: 'body', reason }] };
  }
  return split(json, shards);
}

interface ChangeAt {
  object: string;
  wabaId: string;
  time: number | undefined;
  /** Path of the change (`entry.0.changes.1`). */
  path: string;
  shards: number;
}

function splitMessagesValue(out: Split, value: unknown, at: ChangeAt): void {
  const valuePath = `${at.path}.value`;
  if (!isObject(value)) {
    reject(out, valuePath, 'expected a messages value object');
    return;
  }
  const meta = messagesMetadataSchema.safeParse(value.metadata);
  const messages = listAt(out, value, 'messages', valuePath);
  const statuses = listAt(out, value, 'statuses', valuePath);
  // value.errors and keys Meta may add carry business information: kept whole as a field event.
  if (Object.keys(value).some((k) => !SEQUENCED_VALUE_KEYS.has(k))) {
    const phoneNumberId = meta.success ? meta.data.phone_number_id : undefined;
    out.fields.push(fieldEvent(at.object, 'messages', at.wabaId, at.time, at.path, value, phoneNumberId));
  }
  if (!meta.success) {
    const reason = `value.metadata.phone_number_id: ${firstIssue(meta.error)}`;
    for (const i of messages.keys()) reject(out, `${valuePath}.messages.${i}`, reason);
    for (const i of statuses.keys()) reject(out, `${valuePath}.statuses.${i}`, reason);
    return;
  }
  const base = { phoneNumberId: meta.data.phone_number_id, wabaId: at.wabaId };
  const contacts = contactsOf(value.contacts);
  for (const [i, raw] of messages.entries()) {
    const path = `${valuePath}.messages.${i}`;
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      reject(out, path, firstIssue(parsed.error));
      continue;
    }
    const user = senderOf(parsed.data, contacts, messages.length);
    const userKey = userKeyOf(user);
    if (userKey === undefined) reject(out, path, 'no sender: neither from, from_user_id nor a contact identifies the user');
    else push(out, path, messageEvent(parsed.data, raw as Json, user, userKey, base, at.shards));
  }
  for (const [i, raw] of statuses.entries()) {
    const path = `${valuePath}.statuses.${i}`;
    const parsed = statusSchema.safeParse(raw);
    if (parsed.success) push(out, path, statusEvent(parsed.data, raw as Json, base, at.shards));
    else reject(out, path, firstIssue(parsed.error));
  }
}

/** The array at `value[key]`; anything else there is rejected as one part. */
function listAt(out: Split, value: Json, key: string, valuePath: string): unknown[] {
  const list = value[key];
  if (list === undefined) return [];
  if (Array.isArray(list)) return list;
  reject(out, `${valuePath}.${key}`, `expected an array of ${key}`);
  return [];
}

function contactsOf(raw: unknown): WebhookContact[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c) => {
    const parsed = contactSchema.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The sender's identifiers: the message's own (`from`, `from_user_id`), completed by its
 * contact. A contact matches by wa_id or BSUID; the only contact of a one-message change is
 * the sender's (Brazilian numbers gain or lose a digit between `from` and `wa_id`, and a
 * username user is named only in contacts[]).
 */
function senderOf(message: WebhookMessage, contacts: WebhookContact[], messageCount: number): UserIds & { name?: string } {
  const contact =
    contacts.find(
      (c) =>
        (c.wa_id !== undefined && c.wa_id === message.from) ||
        (c.user_id !== undefined && c.user_id === message.from_user_id),
    ) ?? (contacts.length === 1 && messageCount === 1 ? contacts[0] : undefined);
  const user: UserIds & { name?: string } = {};
  const waId = message.from ?? contact?.wa_id;
  const userId = message.from_user_id ?? contact?.user_id;
  const parentUserId = message.from_parent_user_id ?? contact?.parent_user_id;
  const username = contact?.profile?.username;
  const name = contact?.profile?.name;
  if (waId !== undefined) user.waId = waId;
  if (userId !== undefined) user.userId = userId;
  if (parentUserId !== undefined) user.parentUserId = parentUserId;
  if (typeof username === 'string' && username !== '') user.username = username;
  if (typeof name === 'string') user.name = name;
  return user;
}

type Base = { phoneNumberId: string; wabaId: string };

function messageEvent(
  message: WebhookMessage,
  raw: Json,
  sender: UserIds & { name?: string },
  userKey: string,
  base: Base,
  shards: number,
): MessageEvent {
  const { name, ...user } = sender;
  const event: MessageEvent = {
    id: messageEventId(message.id),
    kind: 'msg',
    key: userKey,
    shard: shardOf(userKey, shards),
    ...base,
    timestamp: Number(message.timestamp),
    wamid: message.id,
    userKey,
    user,
    type: typeOf(raw),
    message: raw,
  };
  const context = raw.context;
  if (isObject(context) && typeof context.id === 'string' && context.id !== '') event.contextWamid = context.id;
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
export function typeOf(message: Json): string {
  if (typeof message.type === 'string' && message.type !== '') return message.type;
  return PAYLOAD_KEYS.find((key) => message[key] !== undefined) ?? 'unknown';
}

function statusEvent(status: WebhookStatus, raw: Json, base: Base, shards: number): StatusEvent {
  const timestamp = Number(status.timestamp);
  const recipient = status.recipient_id ?? status.recipient_user_id ?? '';
  const event: StatusEvent = {
    id: statusEventId(status.id, status.status, timestamp, recipient, status.recipient_participant_id),
    kind: 'status',
    key: status.id,
    shard: shardOf(status.id, shards),
    ...base,
    timestamp,
    wamid: status.id,
    status: status.status,
  };
  if (status.recipient_id !== undefined) event.recipientId = status.recipient_id;
  if (status.recipient_user_id !== undefined) event.recipientUserId = status.recipient_user_id;
  // Kept as sent, whatever their type: the store merges them, it does not interpret them.
  if (isObject(raw.conversation)) event.conversation = raw.conversation;
  if (isObject(raw.pricing)) event.pricing = raw.pricing;
  if (Array.isArray(raw.errors)) event.errors = raw.errors;
  if (typeof raw.biz_opaque_callback_data === 'string') event.bizOpaqueCallbackData = raw.biz_opaque_callback_data;
  event.payload = raw;
  return event;
}

function fieldEvent(
  object: string,
  field: string,
  wabaId: string,
  time: number | undefined,
  path: string,
  value: unknown,
  phoneNumberId?: string,
): FieldEvent {
  const pnid = phoneNumberId ?? phoneNumberIdOf(value);
  const event: FieldEvent = { id: fieldEventId(object, wabaId, field, value), kind: 'field', object, field, wabaId, path, value };
  if (pnid !== undefined) event.phoneNumberId = pnid;
  if (time !== undefined) event.time = time;
  return event;
}

function phoneNumberIdOf(value: unknown): string | undefined {
  if (!isObject(value) || !isObject(value.metadata)) return undefined;
  const pnid = value.metadata.phone_number_id;
  return typeof pnid === 'string' && pnid !== '' ? pnid : undefined;
}

function push(out: Split, path: string, event: WaEvent): void {
  out.events.push(event);
  out.eventPaths.push(path);
}

/**
 * The part of a split that lies under any of `paths` (a rejected part's path, or `body`
 * for all of it): what a quarantine replay may publish, leaving what was stored before alone.
 */
export function splitUnder(split: Split, paths: readonly string[]): Split {
  const under = (p: string) => paths.some((q) => q === 'body' || p === q || p.startsWith(`${q}.`));
  const kept = [...split.eventPaths.keys()].filter((i) => under(split.eventPaths[i]!));
  return {
    events: kept.map((i) => split.events[i]!),
    eventPaths: kept.map((i) => split.eventPaths[i]!),
    fields: split.fields.filter((f) => under(f.path)),
    rejected: split.rejected.filter((r) => under(r.path)),
  };
}

function reject(out: Split, path: string, reason: string): void {
  out.rejected.push({ path, reason });
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}
