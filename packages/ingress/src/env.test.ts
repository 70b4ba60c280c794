import { envFailure } from '@wamesh/bus/testing/env-failure';
import { describe, expect, it } from 'vitest';
import { IngressEnvError, ingressEnvSchema, loadIngressEnv } from './env.ts';

const good = { WAMESH_REGION: 'eu-west', WA_APP_SECRETS: 'old-secret, new-secret', WA_VERIFY_TOKEN: 'tok' };

const failure = (env: Record<string, string | undefined>) => envFailure(loadIngressEnv, IngressEnvError, env);

describe('env - ingress configuration from the environment', () => {
  it('parses the defaults of TEAM-NOTES', () => {
    const c = loadIngressEnv(good);
    expect(c).toMatchObject({
      region: 'eu-west',
      shards: 16,
      nats: { servers: ['nats://127.0.0.1:4222'], name: 'wamesh-ingress eu-west' },
      port: 8080,
      host: '0.0.0.0',
      appSecrets: ['old-secret', 'new-secret'],
      verifyToken: 'tok',
      bodyLimitBytes: 1_048_576,
      publishTimeoutMs: 5000,
      disconnectedGraceMs: 1000,
      maxInFlight: 256,
      logLevel: 'info',
    });
  });

  it('takes NATS credentials and several URLs', () => {
    const c = loadIngressEnv({
      ...good,
      NATS_URLS: 'nats://a:4222,nats://b:4222',
      NATS_USER: 'ingress',
      NATS_PASS: 'pw',
      NATS_TLS_CA: '/ca.pem',
    });
    expect(c.nats).toMatchObject({ servers: ['nats://a:4222', 'nats://b:4222'], user: 'ingress', pass: 'pw', tls: { caFile: '/ca.pem' } });
  });

  it.each([
    ['WAMESH_REGION', { ...good, WAMESH_REGION: undefined }],
    ['WAMESH_REGION', { ...good, WAMESH_REGION: 'eu.west' }],
    ['WA_APP_SECRETS', { ...good, WA_APP_SECRETS: undefined }],
    ['WA_APP_SECRETS', { ...good, WA_APP_SECRETS: ' , ' }],
    ['WA_VERIFY_TOKEN', { ...good, WA_VERIFY_TOKEN: undefined }],
    ['WAMESH_SHARDS', { ...good, WAMESH_SHARDS: 'sixteen' }],
    ['WAMESH_SHARDS', { ...good, WAMESH_SHARDS: '0' }],
    ['PORT', { ...good, PORT: '70000' }],
    ['BODY_LIMIT_BYTES', { ...good, BODY_LIMIT_BYTES: '1MiB' }],
    ['PUBLISH_TIMEOUT_MS', { ...good, PUBLISH_TIMEOUT_MS: '-5' }],
    ['MAX_IN_FLIGHT', { ...good, MAX_IN_FLIGHT: '0' }],
    ['PUBLISH_DISCONNECTED_GRACE_MS', { ...good, PUBLISH_DISCONNECTED_GRACE_MS: 'soon' }],
    ['NATS_URLS', { ...good, NATS_URLS: 'http://x' }],
    ['LOG_LEVEL', { ...good, LOG_LEVEL: 'loud' }],
  ])('a bad %s stops start-up naming it', (name, env) => {
    const err = failure(env);
    expect(err.variables).toEqual([name]);
    expect(err.message).toContain(name);
  });

  it('never echoes a secret in the message', () => {
    const err = failure({ ...good, WA_VERIFY_TOKEN: '', WAMESH_SHARDS: 'x-secret-ish' });
    expect(err.variables.sort()).toEqual(['WAMESH_SHARDS', 'WA_VERIFY_TOKEN']);
    expect(err.message).not.toContain('x-secret-ish');
  });

  it('the schema alone validates a deployment env (compose/k8s tests use it)', () => {
    expect(ingressEnvSchema.safeParse(good).success).toBe(true);
    expect(ingressEnvSchema.safeParse({ WAMESH_REGION: 'x' }).success).toBe(false);
  });
});
