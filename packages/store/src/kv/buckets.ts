import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

export interface KvBuckets {
  messages: KV;
  conversations: KV;
  businesses: KV;
  events: KV;
}

export interface KvBucketOptions {
  /** Bucket names are `${prefix}_messages`, `_conversations`, `_businesses`, `_events`. */
  prefix: string;
  replicas: number;
  /** Age after which event-log rows expire (the bucket's max age: 2.9 has no per-key TTL). */
  eventTtlMs?: number;
}

/** Subject of the event-log rows in the events bucket's stream: the change feed, in commit order. */
export const eventRowsSubject = (prefix: string): string => `$KV.${bucketNames(prefix).events}.e.>`;

export const bucketNames = (prefix: string) => ({
  messages: `${prefix}_messages`,
  conversations: `${prefix}_conversations`,
  businesses: `${prefix}_businesses`,
  events: `${prefix}_events`,
});

/** Opens the buckets, creating them when missing (an existing bucket is used as it is). */
export async function openBuckets(nc: NatsConnection, opts: KvBucketOptions): Promise<KvBuckets> {
  const kvm = new Kvm(nc);
  const names = bucketNames(opts.prefix);
  const base = { replicas: opts.replicas, history: 1 };
  const [messages, conversations, businesses, events] = await Promise.all([
    kvm.create(names.messages, base),
    kvm.create(names.conversations, base),
    kvm.create(names.businesses, base),
    kvm.create(names.events, opts.eventTtlMs ? { ...base, ttl: opts.eventTtlMs } : base),
  ]);
  return { messages, conversations, businesses, events };
}
