import { envFailure } from '@wamesh/bus/testing/env-failure';
import { describe, expect, it } from 'vitest';
import { ConsumerEnvError, consumerEnvSchema, loadConsumerEnv } from './env.ts';

const base = { WAMESH_REGION: 'eu-west' };

const failure = (env: Record<string, string | undefined>) => envFailure(loadConsumerEnv, ConsumerEnvError, env);

describe('consumer env', () => {
  it('env - defaults from the team table', () => {
    const c = loadConsumerEnv(base);
    expect(c).toMatchObject({
      region: 'eu-west',
      shards: 16,
      nats: { servers: ['nats://127.0.0.1:4222'], name: 'wamesh-consumer eu-west' },
      http: { port: 9464, host: '0.0.0.0' },
      store: { kind: 'kv', mongodbDb: 'wamesh' },
      batch: { size: 256, maxWaitMs: 200 },
      maxDeliveries: 5,
      leaseTtlMs: 10_000,
      logLevel: 'info',
    });
    expect(c.store.mongodbUri).toBeUndefined();
  });

  it('env - MONGODB_URI selects mongo; STORE=kv overrides it; credentials and TLS map to the NATS config', () => {
    const mongo = loadConsumerEnv({ ...base, MONGODB_URI: 'mongodb://a,b,c/?replicaSet=rs0', MONGODB_DB: 'x' });
    expect(mongo.store).toEqual({ kind: 'mongo', mongodbUri: 'mongodb://a,b,c/?replicaSet=rs0', mongodbDb: 'x' });
    expect(loadConsumerEnv({ ...base, MONGODB_URI: 'mongodb://a', STORE: 'kv' }).store.kind).toBe('kv');
    const c = loadConsumerEnv({
      ...base,
      NATS_URLS: 'nats://a:4222, nats://b:4222',
      NATS_USER: 'u',
      NATS_PASS: 'p',
      NATS_TLS_CA: '/ca.pem',
      NATS_TLS_CERT: '/c.pem',
      NATS_TLS_KEY: '/k.pem',
      BATCH_SIZE: '64',
      BATCH_MAX_WAIT_MS: '0',
      PORT: '0',
    });
    expect(c.nats).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'u',
      pass: 'p',
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' },
    });
    expect(c.batch).toEqual({ size: 64, maxWaitMs: 0 });
    expect(c.http.port).toBe(0);
  });

  it('env - a bad or missing variable stops start-up naming it, without echoing its value', () => {
    expect(failure({}).variables).toEqual(['WAMESH_REGION']);
    expect(failure({ WAMESH_REGION: 'a.b' }).message).toMatch(/WAMESH_REGION/);
    const bad = failure({ ...base, BATCH_SIZE: 'lots', MAX_DELIVERIES: '0' });
    expect(bad.variables).toEqual(['BATCH_SIZE', 'MAX_DELIVERIES']);
    expect(failure({ ...base, NATS_URLS: 'http://x' }).variables).toEqual(['NATS_URLS']);
    expect(failure({ ...base, STORE: 'redis' }).variables).toEqual(['STORE']);
    expect(failure({ ...base, STORE: 'mongo' }).variables).toEqual(['MONGODB_URI']);
    const secret = failure({ ...base, MONGODB_URI: 'postgres://user:hunter2@x' });
    expect(secret.variables).toEqual(['MONGODB_URI']);
    expect(secret.message).not.toContain('hunter2');
    expect(failure({ ...base, NATS_TLS_CERT: '/c.pem' }).variables).toEqual(['NATS_TLS_KEY']);
    expect(failure({ ...base, LOG_LEVEL: 'loud' }).variables).toEqual(['LOG_LEVEL']);
    // A batch gathering longer than half the ack wait (= the lease TTL) would be redelivered mid-gather.
    expect(failure({ ...base, BATCH_MAX_WAIT_MS: '600', LEASE_TTL_MS: '1000' }).variables).toEqual(['BATCH_MAX_WAIT_MS', 'LEASE_TTL_MS']);
    expect(loadConsumerEnv({ ...base, BATCH_MAX_WAIT_MS: '500', LEASE_TTL_MS: '1000' }).batch.maxWaitMs).toBe(500);
  });

  it('env - the schema lists every variable the consumer reads (for the deploy tests)', () => {
    expect(Object.keys(consumerEnvSchema.shape).sort()).toEqual(
      [
        'WAMESH_REGION',
        'WAMESH_SHARDS',
        'NATS_URLS',
        'NATS_USER',
        'NATS_PASS',
        'NATS_TOKEN',
        'NATS_CREDS',
        'NATS_TLS_CA',
        'NATS_TLS_CERT',
        'NATS_TLS_KEY',
        'PORT',
        'HOST',
        'STORE',
        'MONGODB_URI',
        'MONGODB_DB',
        'BATCH_SIZE',
        'BATCH_MAX_WAIT_MS',
        'MAX_DELIVERIES',
        'LEASE_TTL_MS',
        'LOG_LEVEL',
      ].sort(),
    );
  });
});
