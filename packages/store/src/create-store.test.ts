import type { NatsConnection } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { createStore, storeKindOf } from './create-store.ts';
import { StoreConfigError } from './errors.ts';
import { KvStore } from './kv/store.ts';
import { MongoStore } from './mongo/store.ts';

describe('createStore', () => {
  it('createStore - mongo when a URI is given (nothing connects before init), else kv on the given connection', async () => {
    const mongo = createStore({ mongodbUri: 'mongodb://127.0.0.1:1/?directConnection=true', mongodbDb: 'x' });
    expect(mongo).toBeInstanceOf(MongoStore);
    await mongo.close();
    const nc = {} as NatsConnection;
    expect(createStore({ nc })).toBeInstanceOf(KvStore);
    expect(storeKindOf({ mongodbUri: 'mongodb://h', nc })).toBe('mongo');
    expect(storeKindOf({ nc })).toBe('kv');
  });

  it('createStore - neither a URI nor a NATS connection is a config error with a code', () => {
    expect(() => createStore({})).toThrow(StoreConfigError);
    try {
      createStore({});
    } catch (err) {
      expect((err as StoreConfigError).code).toBe('E_STORE_CONFIG');
    }
  });
});
