import { type Collection, type Db, type IndexDescription, MongoServerError, type ReadPreference, type WriteConcernSettings } from 'mongodb';
import type { EventLogEntry } from '@wamesh/core';

/** Every write waits for a majority of the replica set: acked means it survives a failover. */
export const MAJORITY: WriteConcernSettings = { w: 'majority' };
export const PRIMARY: ReadPreference['mode'] = 'primary';

export const COLLECTIONS = { messages: 'messages', conversations: 'conversations', businesses: 'businesses', events: 'events' } as const;

/** Stored message document: MessageDoc plus `_id` = wamid. */
export interface StoredMessage {
  _id: string;
  [field: string]: unknown;
}

/** Stored conversation document: ConversationDoc plus `_id` = `${phoneNumberId}:${userKey}`. */
export interface StoredConversation {
  _id: string;
  [field: string]: unknown;
}

/** Stored event-log row: the entry, `_id` = eventId, and `loggedAt` (a Date) for the TTL index. */
export type StoredEvent = Omit<EventLogEntry, 'eventId'> & { _id: string; loggedAt: Date };

export interface Collections {
  messages: Collection<StoredMessage>;
  conversations: Collection<StoredConversation>;
  /** Business documents (per phone number or WABA): the field events' feed numbers. */
  businesses: Collection<StoredConversation>;
  events: Collection<StoredEvent>;
}

export function collectionsOf(db: Db): Collections {
  const opts = { writeConcern: MAJORITY, readPreference: PRIMARY };
  return {
    messages: db.collection<StoredMessage>(COLLECTIONS.messages, opts),
    conversations: db.collection<StoredConversation>(COLLECTIONS.conversations, opts),
    businesses: db.collection<StoredConversation>(COLLECTIONS.businesses, opts),
    events: db.collection<StoredEvent>(COLLECTIONS.events, opts),
  };
}

/** Timeline look-ups by wamid or any other id (a user's, or a field event's business), in WhatsApp order. */
export const eventIndexes: IndexDescription[] = [
  { key: { wamid: 1, timestamp: 1, receivedAt: 1, _id: 1 }, name: 'timeline_wamid' },
  { key: { ids: 1, timestamp: 1, receivedAt: 1, _id: 1 }, name: 'timeline_ids' },
];

/** Identifier kinds of ConversationDoc.ids: a conversation is found by any of them. */
export const USER_ID_KINDS = ['waId', 'userId', 'parentUserId', 'username'] as const;

export const TTL_INDEX = 'ttl_loggedAt';

/** Conversations of a business number, latest first, for listings. */
export const conversationIndexes: IndexDescription[] = [
  { key: { phoneNumberId: 1, 'last.timestamp': -1 }, name: 'by_number_latest' },
  ...USER_ID_KINDS.map((kind) => ({ key: { phoneNumberId: 1, [`ids.${kind}`]: 1 }, name: `by_number_${kind}` })),
];

const INDEX_OPTIONS_CONFLICT = 85;

/** Idempotent; a changed TTL is applied in place (collMod) rather than failing start-up. */
export async function ensureIndexes(db: Db, c: Collections, ttlSeconds?: number): Promise<void> {
  await Promise.all([c.events.createIndexes(eventIndexes), c.conversations.createIndexes(conversationIndexes)]);
  if (ttlSeconds === undefined) return;
  try {
    await c.events.createIndex({ loggedAt: 1 }, { name: TTL_INDEX, expireAfterSeconds: ttlSeconds });
  } catch (err) {
    if (!(err instanceof MongoServerError) || err.code !== INDEX_OPTIONS_CONFLICT) throw err;
    await db.command({ collMod: COLLECTIONS.events, index: { name: TTL_INDEX, expireAfterSeconds: ttlSeconds } });
  }
}

export const conversationId = (phoneNumberId: string, userKey: string): string => `${phoneNumberId}:${userKey}`;
