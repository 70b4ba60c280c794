import {
  allUserIds,
  type ConversationDoc,
  type Envelope,
  type EventLogEntry,
  joinConversations,
  joinMessageDocs,
  type MessageDoc,
  type MessageEvent,
  type StatusEvent,
} from '@wamesh/core';
import type { NatsConnection } from '@nats-io/nats-core';
import { applyMessageBatch, applyStatusBatch, type JoinWriter } from '../batch.ts';
import { latestConversation } from '../conversation-lookup.ts';
import { StoreError } from '../errors.ts';
import type { StateStore } from '../types.ts';
import { type KvBuckets, openBuckets } from './buckets.ts';
import { casJoin } from './cas.ts';
import { appendEvents, createOnce, timelineOf } from './event-log.ts';
import { aliasKey, conversationKey, messageKey } from './keys.ts';

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
  onCasConflict?: (bucket: 'messages' | 'conversations', key: string) => void;
}

/** The embedded store: JetStream KV buckets, every write a compare-and-set on the key's revision. */
export class KvStore implements StateStore {
  readonly #opts: KvStoreOptions & { prefix: string; replicas: number };
  #buckets: KvBuckets | undefined;

  constructor(opts: KvStoreOptions) {
    this.#opts = { prefix: 'wamesh', replicas: 1, ...opts };
  }

  async init(): Promise<void> {
    this.#buckets ??= await openBuckets(this.#opts.nc, this.#opts);
  }

  get #b(): KvBuckets {
    if (!this.#buckets) throw new StoreError('STORE_NOT_INITIALIZED', 'KvStore: call init() first');
    return this.#buckets;
  }

  readonly #writer: JoinWriter = {
    joinMessage: (delta: MessageDoc) =>
      casJoin(this.#b.messages, messageKey(delta.wamid), delta, joinMessageDocs, this.#conflict('messages')),
    joinConversation: async (delta: ConversationDoc) => {
      const { conversations } = this.#b;
      // Aliases are created (once, idempotently) beside the join, not after it: a writer
      // that dies in between leaves at worst an alias to a conversation its redelivery writes.
      const aliases = allUserIds(delta.ids).filter((id) => id !== delta.userKey);
      const [before] = await Promise.all([
        casJoin(
          conversations,
          conversationKey(delta.phoneNumberId, delta.userKey),
          delta,
          joinConversations,
          this.#conflict('conversations'),
        ),
        ...aliases.map((id) => createOnce(conversations, aliasKey(delta.phoneNumberId, id), delta.userKey)),
      ]);
      return before;
    },
  };

  #conflict(bucket: 'messages' | 'conversations'): ((key: string) => void) | undefined {
    const hook = this.#opts.onCasConflict;
    return hook && ((key) => hook(bucket, key));
  }

  applyStatuses(batch: Envelope<StatusEvent>[]) {
    return applyStatusBatch(this.#writer, batch);
  }

  applyMessages(batch: Envelope<MessageEvent>[]) {
    return applyMessageBatch(this.#writer, batch);
  }

  appendLog(entries: EventLogEntry[]) {
    return appendEvents(this.#b.events, entries);
  }

  async getMessage(wamid: string): Promise<MessageDoc | null> {
    const e = await this.#b.messages.get(messageKey(wamid));
    return e && e.operation === 'PUT' ? e.json<MessageDoc>() : null;
  }

  async getConversation(phoneNumberId: string, id: string): Promise<ConversationDoc | null> {
    const { conversations } = this.#b;
    const doc = async (key: string) => {
      const e = await conversations.get(key);
      return e && e.operation === 'PUT' ? e.json<ConversationDoc>() : null;
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
