// Public surface of @wamesh/store.
export type * from './types.ts';
export { createStore, isMongoUri, storeKindOf, type StoreConfig, type StoreKind } from './create-store.ts';
export { StoreConfigError, StoreConflictError, StoreError } from './errors.ts';
export { KvStore, type KvStoreOptions } from './kv/store.ts';
export { bucketNames, eventRowsSubject } from './kv/buckets.ts';
export { MongoStore, type MongoStoreOptions } from './mongo/store.ts';
// The Mongo event log for its readers (the relay's change stream).
export { COLLECTIONS as MONGO_COLLECTIONS, type StoredEvent } from './mongo/collections.ts';
export { fromStoredEvent } from './mongo/event-log.ts';
