import type { NatsConnection } from '@nats-io/nats-core';
import { StoreConfigError } from './errors.ts';
import { KvStore } from './kv/store.ts';
import { MongoStore, type MongoStoreOptions } from './mongo/store.ts';
import type { StateStore } from './types.ts';

export interface StoreConfig {
  /** MongoDB connection string: when set, the production `mongo` store is used. */
  mongodbUri?: string;
  /** MongoDB database (default `wamesh`). */
  mongodbDb?: string;
  /** Driver options for the mongo store (TLS, pool size…). */
  mongoClient?: MongoStoreOptions['client'];
  /** NATS connection for the embedded `kv` store (required when no mongodbUri); the caller owns it. */
  nc?: NatsConnection;
  /** KV bucket prefix (default `wamesh`). */
  kvPrefix?: string;
  /** KV bucket replicas (default 1). */
  kvReplicas?: number;
  /** Event-log retention, both stores (Mongo TTL index, KV bucket max age); forever when unset. */
  eventTtlSeconds?: number;
}

export type StoreKind = 'mongo' | 'kv';

export const storeKindOf = (config: StoreConfig): StoreKind => (config.mongodbUri ? 'mongo' : 'kv');

/** A MongoDB connection string, as the services' environments accept one. */
export const isMongoUri = (v: string): boolean => /^mongodb(\+srv)?:\/\//.test(v);

/** `mongo` when a URI is given, else `kv` on the given NATS connection. Call `init()` next. */
export function createStore(config: StoreConfig): StateStore {
  const ttl = config.eventTtlSeconds;
  if (config.mongodbUri) {
    const opts: MongoStoreOptions = { uri: config.mongodbUri };
    if (config.mongodbDb !== undefined) opts.db = config.mongodbDb;
    if (config.mongoClient !== undefined) opts.client = config.mongoClient;
    if (ttl !== undefined) opts.eventTtlSeconds = ttl;
    return new MongoStore(opts);
  }
  if (!config.nc) throw new StoreConfigError('no MONGODB_URI and no NATS connection: the kv store needs `nc`');
  return new KvStore({
    nc: config.nc,
    prefix: config.kvPrefix ?? 'wamesh',
    replicas: config.kvReplicas ?? 1,
    ...(ttl !== undefined ? { eventTtlMs: ttl * 1000 } : {}),
  });
}
