import { allUserIds, type ConversationDoc, type EventLogEntry, type MessageDoc } from '@wamesh/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { BatchApplier, type EntityWriter, type Stored, stateOf } from '../batch.ts';
import { latestConversation } from '../conversation-lookup.ts';
import { StoreError } from '../errors.ts';
import type { StateStore } from '../types.ts';
import { type KvBuckets, openBuckets } from './buckets.ts';
import { casUpdate } from './cas.ts';
import { appendEvents, createOnce, timelineOf } from './event-log.ts';
import { aliasKey, conversationKey, eventKey, messageKey } from './keys.ts';

const emptyIds = { waId: [], userId: [], parentUserId: [], username: [] };

export interface KvStoreOptions {
  /** The caller's connection; the store never closes it. */
  nc: NatsConnection;
  /** Bucket name prefix (default `wamesh`): `<prefix>_messages`, `_conversations`, `_events`. */
  prefix?: string;
  /** Bucket replicas (default 1; 3 in a production cluster). */
  replicas?: number;
  /** Expire event-log rows after this long (bucket max age); kept forever when unset. */
  eventTtlMs?: number;
  /** Called each time a compare-and-set lost to another writer and is retried (for metrics). */
  onCasConflict?: (bucket: 'messages' | 'conversations' | 'businesses', key: string) => void;
}

/** The embedded store: JetStream KV buckets, every write a compare-and-set on the key's revision. */
export class KvStore extends BatchApplier implements StateStore {
  readonly #opts: KvStoreOptions & { prefix: string; replicas: number };
  #buckets: KvBuckets | undefined;

  constructor(opts: KvStoreOptions) {
    super();
    this.#opts = { prefix: 'wamesh', replicas: 1, ...opts };
  }

  async init(): Promise<void> {
    this.#buckets ??= await openBuckets(this.#opts.nc, this.#opts);
  }

  get #b(): KvBuckets {
    if (!this.#buckets) throw new StoreError('E_STORE_NOT_INITIALIZED', 'KvStore: call init() first');
    return this.#buckets;
  }

  protected readonly writer: EntityWriter = {
    commitMessage: (wamid, next) => casUpdate(this.#b.messages, messageKey(wamid), next, this.#conflict('messages')),
    commitConversation: (phoneNumberId, userKey, next) => {
      const { conversations } = this.#b;
      return casUpdate<Stored<ConversationDoc>>(
        conversations,
        conversationKey(phoneNumberId, userKey),
        async (stored) => {
          const after = await next(stored);
          // An identifier the conversation has not seen yet points at it (`a.` alias, created
          // once) before the write that adds it: a writer that dies in between leaves an alias
          // to this user's conversation, never a conversation without its alias. Identifiers
          // already on the stored document had theirs created then, so the hot path adds none.
          const seen = new Set(allUserIds(stored?.ids ?? emptyIds));
          const added = allUserIds(after?.ids ?? emptyIds).filter((id) => id !== userKey && !seen.has(id));
          await Promise.all(added.map((id) => createOnce(conversations, aliasKey(phoneNumberId, id), userKey)));
          return after;
        },
        this.#conflict('conversations'),
      );
    },
    commitBusiness: (businessId, next) => casUpdate(this.#b.businesses, messageKey(businessId), next, this.#conflict('businesses')),
    logged: async (eventIds) => {
      const found = await Promise.all(eventIds.map((id) => this.#b.events.get(eventKey(id))));
      return new Set(eventIds.filter((_, i) => found[i]?.operation === 'PUT'));
    },
  };

  #conflict(bucket: 'messages' | 'conversations' | 'businesses'): ((key: string) => void) | undefined {
    const hook = this.#opts.onCasConflict;
    return hook && ((key) => hook(bucket, key));
  }

  appendLog(entries: EventLogEntry[]) {
    return appendEvents(this.#b.events, entries);
  }

  async getMessage(wamid: string): Promise<MessageDoc | null> {
    const e = await this.#b.messages.get(messageKey(wamid));
    return e && e.operation === 'PUT' ? stateOf(e.json<MessageDoc>()) : null;
  }

  async getConversation(phoneNumberId: string, id: string): Promise<ConversationDoc | null> {
    const { conversations } = this.#b;
    const doc = async (key: string) => {
      const e = await conversations.get(key);
      return e && e.operation === 'PUT' ? stateOf(e.json<ConversationDoc>()) : null;
    };
    const alias = await conversations.get(aliasKey(phoneNumberId, id));
    const aliased = alias && alias.operation === 'PUT' ? alias.string() : undefined;
    const [own, seen] = await Promise.all([
      doc(conversationKey(phoneNumberId, id)),
      aliased === undefined ? null : doc(conversationKey(phoneNumberId, aliased)),
    ]);
    return latestConversation(own, seen);
  }

  timeline(key: string): Promise<EventLogEntry[]> {
    return timelineOf(this.#b.events, key);
  }

  /** The connection belongs to the caller: nothing to release here. */
  async close(): Promise<void> {
    this.#buckets = undefined;
  }
}
