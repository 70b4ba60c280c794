// The domain contract every package builds against. Pure types: no behaviour here.

/** What the ingress publishes and the consumer applies: one per message and per status. */
export type EventKind = 'msg' | 'status';

/** Ladder statuses, `failed`, or any future status Meta adds (recorded, never rejected). */
export type KnownStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';
export type StatusName = KnownStatus | (string & {});

/**
 * Every identifier a webhook gave for a user. Since 2026 Meta sends a business-scoped user id
 * (BSUID, `user_id`) in every messages webhook; a user with a username has no phone number
 * (`wa_id`) in webhooks at all.
 */
export interface UserIds {
  waId?: string;
  /** BSUID (`user_id`, `from_user_id`, `recipient_user_id`). */
  userId?: string;
  parentUserId?: string;
  username?: string;
}

export interface EventBase {
  /** Deterministic: a re-sent webhook yields the same id (JetStream Nats-Msg-Id, event-log _id). */
  id: string;
  kind: EventKind;
  /** Sharding key: the user key for messages, wamid for statuses. */
  key: string;
  shard: number;
  /** Business number the webhook is for (value.metadata.phone_number_id). */
  phoneNumberId: string;
  /** WhatsApp Business Account id (entry[].id). */
  wabaId: string;
  /** WhatsApp timestamp, Unix seconds (one-second resolution). */
  timestamp: number;
  wamid: string;
}

/** An inbound message from a user. */
export interface MessageEvent extends EventBase {
  kind: 'msg';
  /**
   * The stable key of the sender: the BSUID when the webhook has one, else the wa_id
   * (userKeyOf). The conversation is keyed by it; `key` equals it.
   */
  userKey: string;
  /** Every identifier of the sender the webhook carried (message and its contact). */
  user: UserIds;
  /** Message type as sent; unknown future types are kept as they are. */
  type: string;
  /** wamid this message replies to (messages[].context.id), when it is a reply. */
  contextWamid?: string;
  /** Profile name from value.contacts, when present. */
  contactName?: string;
  /** The message object exactly as received (passthrough of unknown fields). */
  message: Record<string, unknown>;
}

/** The fields a status carries besides its name: on the event, on each fact, merged on the message. */
export interface StatusFields {
  /** The user's WhatsApp id (statuses[].recipient_id); absent for a user with a username. */
  recipientId?: string;
  /** The user's BSUID (statuses[].recipient_user_id). */
  recipientUserId?: string;
  conversation?: Record<string, unknown>;
  pricing?: Record<string, unknown>;
  errors?: unknown[];
  bizOpaqueCallbackData?: string;
}

/** A status update for a message the business sent. */
export interface StatusEvent extends EventBase, StatusFields {
  kind: 'status';
  status: StatusName;
  /** The status object exactly as received (absent on events published before it was kept). */
  payload?: Record<string, unknown>;
}

export type WaEvent = MessageEvent | StatusEvent;

/** Transport facts about one event, carried in NATS headers beside the event. */
export interface EventMeta {
  /** Region whose ingress received the webhook. */
  region: string;
  /** Ingress receive time, epoch milliseconds. */
  receivedAt: number;
  /** W3C trace context of the ingress producer span, so stale events can link to winners. */
  traceparent?: string;
  tracestate?: string;
}

export interface Envelope<E extends WaEvent = WaEvent> {
  event: E;
  meta: EventMeta;
}

/** Result of applying one event to stored state. */
export type Outcome = 'applied' | 'merged' | 'stale' | 'duplicate';

/** The event that currently holds a piece of state; a stale event names it as its winner. */
export interface Winner {
  eventId: string;
  timestamp: number;
  region: string;
  traceparent?: string;
}

/** What one status event observed; per status, the earliest (timestamp, eventId) is kept. */
export interface StatusFact extends Winner, StatusFields {}

/** The inbound message record, when the wamid is an inbound message. */
export interface InboundRecord extends Winner {
  userKey: string;
  type: string;
  contextWamid?: string;
}

/**
 * Message state keyed by wamid: a join-semilattice. `status` and `rank` derive from
 * `facts` (failed wins over the ladder; unknown statuses rank 0 and never set `status`).
 */
export interface MessageDoc {
  wamid: string;
  phoneNumberId: string;
  /** Join of the known statuses seen; null while only unknown statuses (or none) were seen. */
  status: KnownStatus | null;
  rank: number;
  /** Earliest WhatsApp timestamp of each status seen, unknown ones included. */
  statusAt: Record<string, number>;
  facts: Record<string, StatusFact>;
  inbound?: InboundRecord;
}

/** Latest inbound message of a conversation by (timestamp, wamid). */
export interface ConversationLast extends Winner {
  wamid: string;
  type: string;
  contactName?: string;
}

/** Every identifier seen for a user, each kind a sorted set (joined by union). */
export interface UserIdSets {
  waId: string[];
  userId: string[];
  parentUserId: string[];
  username: string[];
}

/** Conversation state keyed by (phoneNumberId, userKey): a join-semilattice. */
export interface ConversationDoc {
  phoneNumberId: string;
  userKey: string;
  /** Every identifier this user's messages carried; reads accept any of them. */
  ids: UserIdSets;
  last: ConversationLast;
  /** Another message shares `last`'s second: the order between them is a tie-break, not a fact. */
  ambiguous: boolean;
}

/** One row of the event log: every event, recorded once under its deterministic id. */
export interface EventLogEntry {
  eventId: string;
  kind: EventKind | 'field';
  /** A field event's field name (`account_update`, …). */
  field?: string;
  /** Sharding key (user key or wamid). */
  key: string;
  wamid: string;
  /** The user: the sender's user key, or a status's recipient (BSUID, else wa_id); absent when unknown. */
  userKey?: string;
  /**
   * What else finds the event besides its wamid: every user identifier it carried (wa_id,
   * BSUID, …), or for a field event its business number and WABA. `wamesh trace` takes any.
   */
  ids: string[];
  phoneNumberId: string;
  status?: StatusName;
  type?: string;
  timestamp: number;
  region: string;
  receivedAt: number;
  appliedAt: number;
  outcome: Outcome;
  traceparent?: string;
  /** For a stale event: the event that beat it and by how many WhatsApp seconds. */
  beatenBy?: Winner & { bySeconds: number };
  /**
   * The change-feed entry of the event: its key (`conv:…` for a message, `msg:<wamid>` for
   * a status) and per-key sequence number. Absent for a duplicate, which changed nothing.
   */
  feedKey?: string;
  seq?: number;
  /** The event as Meta sent it: the message or status object. */
  payload?: Record<string, unknown>;
  /** The entity document the commit left: the conversation for a message, the message for a status. */
  document?: unknown;
}

/**
 * A change that is not an inbound message or a status (account_update, template status,
 * quality, smb_message_echoes, calls, fields Meta adds later, other objects), or a messages
 * change's value that carries more than messages and statuses (value.errors). Kept as sent
 * and published to the region's fields stream: business events, not sequenced state.
 */
export interface FieldEvent {
  /** Deterministic over the change as sent: a re-sent webhook yields the same id. */
  id: string;
  kind: 'field';
  object: string;
  field: string;
  /** entry[].id (the WABA id for WhatsApp), '' when the entry has none. */
  wabaId: string;
  /** value.metadata.phone_number_id, when the change has one. */
  phoneNumberId?: string;
  /** entry[].time, when present (Unix seconds). */
  time?: number;
  /** Where the change sat in the body (`entry.0.changes.1`). */
  path: string;
  /** The change's value exactly as parsed from the body. */
  value: unknown;
}

/** A part of a signed body that cannot be sequenced, and why. */
export interface RejectedPart {
  /** Path in the body (`entry.0.changes.2.value.messages.1`, or `body`). */
  path: string;
  reason: string;
}

/** A field event with its transport facts, as the consumer reads it from the fields stream. */
export interface FieldEnvelope {
  event: FieldEvent;
  meta: EventMeta;
}

/**
 * What the store keeps per business (phone number, else WABA): per field, the latest field
 * event by (time, event id). A join-semilattice like the others; its documents also number
 * the business's feed entries (`field:<business>`).
 */
export interface BusinessDoc {
  businessId: string;
  latest: Record<string, Winner>;
}
