// Public surface of @wamesh/store.
export type * from './types.ts';
export { createStore, storeKindOf, type StoreConfig, type StoreKind } from './create-store.ts';
export { StoreConfigError, StoreConflictError, StoreError } from './errors.ts';
export { KvStore, type KvStoreOptions } from './kv/store.ts';
export { bucketNames, eventRowsSubject } from './kv/buckets.ts';
export { MongoStore, type MongoStoreOptions } from './mongo/store.ts';
