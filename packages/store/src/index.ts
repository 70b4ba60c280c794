// Public surface of @wamesh/store.
export type * from './types.ts';
export { createStore, isMongoUri } from './create-store.ts';
export { KvStore } from './kv/store.ts';
export { bucketNames, eventRowsSubject } from './kv/buckets.ts';
// The Mongo event log for its readers (the relay's change stream).
export { COLLECTIONS as MONGO_COLLECTIONS, type StoredEvent } from './mongo/collections.ts';
export { fromStoredEvent } from './mongo/event-log.ts';
