// The domain contract every package builds against. Pure types: no behaviour here.

/** What the ingress publishes and the consumer applies: one per message and per status. */
export type EventKind = 'msg' | 'status';

/** Ladder statuses, `failed`, or any future status Meta adds (recorded, never rejected). */
export type KnownStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';
export type StatusName = KnownStatus | (string & {});

export interface EventBase {
  /** Deterministic: a re-sent webhook yields the same id (JetStream Nats-Msg-Id, event-log _id). */
  id: string;
  kind: EventKind;
  /** Sharding key: wa_id for messages, wamid for statuses. */
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
  /** The user's WhatsApp id (messages[].from). */
  waId: string;
  /** Message type as sent; unknown future types are kept as they are. */
  type: string;
  /** wamid this message replies to (messages[].context.id), when it is a reply. */
  contextWamid?: string;
  /** Profile name from value.contacts, when present. */
  contactName?: string;
  /** The message object exactly as received (passthrough of unknown fields). */
  message: Record<string, unknown>;
}

/** A status update for a message the business sent. */
export interface StatusEvent extends EventBase {
  kind: 'status';
  status: StatusName;
  /** The user's WhatsApp id (statuses[].recipient_id). */
  recipientId: string;
  conversation?: Record<string, unknown>;
  pricing?: Record<string, unknown>;
  errors?: unknown[];
  bizOpaqueCallbackData?: string;
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
export interface StatusFact extends Winner {
  recipientId: string;
  conversation?: Record<string, unknown>;
  pricing?: Record<string, unknown>;
  errors?: unknown[];
  bizOpaqueCallbackData?: string;
}

/** The inbound message record, when the wamid is an inbound message. */
export interface InboundRecord extends Winner {
  waId: string;
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

/** Conversation state keyed by (phoneNumberId, waId): a join-semilattice. */
export interface ConversationDoc {
  phoneNumberId: string;
  waId: string;
  last: ConversationLast;
  /** Another message shares `last`'s second: the order between them is a tie-break, not a fact. */
  ambiguous: boolean;
}

/** One row of the event log: every event, recorded once under its deterministic id. */
export interface EventLogEntry {
  eventId: string;
  kind: EventKind;
  /** Sharding key (wa_id or wamid). */
  key: string;
  wamid: string;
  waId: string;
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
}
