import type { ConversationDoc, EventLogEntry, MessageDoc } from '@wamesh/core';
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { BatchApplier, type EntityWriter, stateOf } from '../batch.ts';
import type { StateStore } from '../types.ts';
import { latestConversation } from '../conversation-lookup.ts';
import { type CasCollection, fromMongo, type MongoDoc, mongoEntityWriter } from './cas.ts';
import { type Collections, collectionsOf, conversationId, ensureIndexes, MAJORITY, PRIMARY, USER_ID_KINDS } from './collections.ts';
import { appendEvents, loggedOf, timelineOf } from './event-log.ts';

/** The domain document of a stored one (no `_id`, `_rev` or feed bookkeeping). */
const domainOf = <D>(doc: unknown): D | null => {
  const stored = fromMongo<D>(doc as MongoDoc | null);
  return stored && stateOf(stored);
};

export interface MongoStoreOptions {
  uri: string;
  /** Database name (default `wamesh`). */
  db?: string;
  /** Expire event-log rows this long after they were logged (a TTL index); kept forever when unset. */
  eventTtlSeconds?: number;
  /** Extra driver options (TLS, pool size, app name); write concern and read preference are fixed. */
  client?: MongoClientOptions;
}

/** The production store: a MongoDB replica set, majority writes, primary reads. */
export class MongoStore extends BatchApplier implements StateStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #collections: Collections;
  protected readonly writer: EntityWriter;
  readonly #ttlSeconds: number | undefined;

  constructor(opts: MongoStoreOptions) {
    super();
    this.#client = new MongoClient(opts.uri, {
      ...opts.client,
      writeConcern: MAJORITY,
      readPreference: PRIMARY,
      readConcern: { level: 'majority' },
    });
    this.#db = this.#client.db(opts.db ?? 'wamesh');
    this.#collections = collectionsOf(this.#db);
    const c = this.#collections;
    this.writer = mongoEntityWriter({
      messages: c.messages as unknown as CasCollection,
      conversations: c.conversations as unknown as CasCollection,
      businesses: c.businesses as unknown as CasCollection,
      logged: (ids) => loggedOf(c, ids),
    });
    this.#ttlSeconds = opts.eventTtlSeconds;
  }

  async init(): Promise<void> {
    await this.#client.connect();
    await ensureIndexes(this.#db, this.#collections, this.#ttlSeconds);
  }

  appendLog(entries: EventLogEntry[]) {
    return appendEvents(this.#collections, entries);
  }

  async getMessage(wamid: string): Promise<MessageDoc | null> {
    return domainOf<MessageDoc>(await this.#collections.messages.findOne({ _id: wamid }));
  }

  async getConversation(phoneNumberId: string, id: string): Promise<ConversationDoc | null> {
    const { conversations } = this.#collections;
    const seenIt = USER_ID_KINDS.map((kind) => ({ phoneNumberId, [`ids.${kind}`]: id }));
    const [own, ...seen] = await Promise.all([
      conversations.findOne({ _id: conversationId(phoneNumberId, id) }),
      ...seenIt.map((q) => conversations.find(q).sort({ 'last.timestamp': -1 }).limit(1).next()),
    ]);
    return [own, ...seen].map((d) => domainOf<ConversationDoc>(d)).reduce(latestConversation, null);
  }

  timeline(key: string): Promise<EventLogEntry[]> {
    return timelineOf(this.#collections, key);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
