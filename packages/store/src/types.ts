import type {
  BusinessDoc,
  ConversationDoc,
  Envelope,
  EventLogEntry,
  FieldEnvelope,
  MessageDoc,
  MessageEvent,
  Outcome,
  StatusEvent,
  Winner,
} from '@wamesh/core';

/** Per-event result of a batch apply, in the order the events were given. */
export interface ApplyResult<D> {
  eventId: string;
  outcome: Outcome;
  /** For `stale`: the event that holds the state this one lost to, and by how many WhatsApp seconds. */
  beatenBy?: Winner & { bySeconds: number };
  /** The entity's document after the batch's single conditional write. */
  doc: D;
  /**
   * The change's per-key feed sequence number (absent for a duplicate). A redelivered event
   * whose earlier attempt committed it gets that attempt's outcome and number back.
   */
  seq?: number;
}

/** Message events touch two entities: the conversation and the inbound message record. */
export interface MessageApplyResult extends ApplyResult<ConversationDoc> {
  message: MessageDoc;
}

export interface LogAppendResult {
  /** Event ids recorded by this call; the others were already in the log (duplicates). */
  inserted: string[];
  duplicates: string[];
}

/**
 * The state store. Every write is a join expressed as ONE conditional atomic update per
 * entity (events of a batch for the same entity are joined in memory first); adapters
 * never read-modify-write without a compare-and-set, and never lock.
 */
export interface StateStore {
  /** Creates indexes / buckets. Idempotent. */
  init(): Promise<void>;
  applyStatuses(batch: Envelope<StatusEvent>[]): Promise<ApplyResult<MessageDoc>[]>;
  applyMessages(batch: Envelope<MessageEvent>[]): Promise<MessageApplyResult[]>;
  /** Field events (non-messages changes), numbered in their business's feed. */
  applyFields(batch: FieldEnvelope[]): Promise<ApplyResult<BusinessDoc>[]>;
  /** Records each entry once by eventId; an existing id is reported as a duplicate. */
  appendLog(entries: EventLogEntry[]): Promise<LogAppendResult>;
  getMessage(wamid: string): Promise<MessageDoc | null>;
  /**
   * The conversation of a business number with a user, found by any identifier the user's
   * messages carried (user key, wa_id, BSUID, parent BSUID, username); when two match (a
   * deployment keyed by wa_id before BSUIDs arrived), the one with the later message.
   */
  getConversation(phoneNumberId: string, id: string): Promise<ConversationDoc | null>;
  /** Every logged event whose wamid or any user identifier is `key`, by (timestamp, receivedAt). */
  timeline(key: string): Promise<EventLogEntry[]>;
  close(): Promise<void>;
}
