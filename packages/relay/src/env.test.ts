import { envFailure } from '@wamesh/bus/testing/env-failure';
import { describe, expect, it } from 'vitest';
import { loadRelayEnv, RelayEnvError } from './env.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const endpoint = { name: 'crm', url: 'https://crm.example/hooks/wa', secrets: [SECRET] };

const failure = (env: Record<string, string | undefined>) => envFailure(loadRelayEnv, RelayEnvError, env);

describe('relay env - RELAY_ENDPOINTS', () => {
  it('parses endpoints with their defaults', () => {
    const c = loadRelayEnv({ RELAY_ENDPOINTS: JSON.stringify([{ ...endpoint, kinds: ['message.received'], holdMs: 3000 }]) });
    expect(c.endpoints[0]).toMatchObject({ name: 'crm', holdMs: 3000, onDeadLetter: 'block', kinds: ['message.received'] });
    expect(c.feed).toEqual({ stream: 'KV_wamesh_events', subject: '$KV.wamesh_events.e.>' });
  });

  it.each([
    ['missing', undefined],
    ['not JSON', '[{'],
    ['empty', '[]'],
    ['a bad URL', JSON.stringify([{ ...endpoint, url: 'ftp://x' }])],
    ['a secret without whsec_', JSON.stringify([{ ...endpoint, secrets: ['hunter2-secret'] }])],
    ['an unknown kind', JSON.stringify([{ ...endpoint, kinds: ['message.sent'] }])],
    ['an unknown field', JSON.stringify([{ ...endpoint, retries: 3 }])],
    ['two endpoints with one name', JSON.stringify([endpoint, endpoint])],
  ])('%s stops start-up naming RELAY_ENDPOINTS, never echoing a secret', (_what, value) => {
    const err = failure(value === undefined ? {} : { RELAY_ENDPOINTS: value });
    expect(err.variables).toEqual(['RELAY_ENDPOINTS']);
    expect(err.message).toContain('RELAY_ENDPOINTS');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain(SECRET.slice(6));
  });
});

describe('relay env - RELAY_FEED', () => {
  const base = { RELAY_ENDPOINTS: JSON.stringify([endpoint]) };
  const URI = 'mongodb://wamesh:s3cret-pw@mongo1:27017/wamesh?replicaSet=rs0';

  it('reads the Mongo store when MONGODB_URI is set, the KV log otherwise, unless RELAY_FEED says', () => {
    expect(loadRelayEnv({ ...base, MONGODB_URI: URI }).feed).toEqual({ uri: URI, db: 'wamesh' });
    expect(loadRelayEnv({ ...base, MONGODB_URI: URI, MONGODB_DB: 'prod' }).feed).toEqual({ uri: URI, db: 'prod' });
    expect(loadRelayEnv({ ...base, MONGODB_URI: URI, RELAY_FEED: 'kv' }).feed).toEqual({ stream: 'KV_wamesh_events', subject: '$KV.wamesh_events.e.>' });
    expect(loadRelayEnv({ ...base, RELAY_FEED: 'mongo', MONGODB_URI: URI }).feed).toEqual({ uri: URI, db: 'wamesh' });
  });

  it.each([
    ['RELAY_FEED=mongo without MONGODB_URI', { RELAY_FEED: 'mongo' }, 'MONGODB_URI'],
    ['an unknown RELAY_FEED', { RELAY_FEED: 'postgres' }, 'RELAY_FEED'],
    ['a MONGODB_URI that is no MongoDB URI', { MONGODB_URI: 'postgres://u:s3cret-pw@db/x' }, 'MONGODB_URI'],
  ])('%s stops start-up naming the variable, never echoing its value', (_what, env, variable) => {
    const err = failure({ ...base, ...env });
    expect(err.variables).toEqual([variable]);
    expect(err.message).not.toContain('s3cret-pw');
  });
});
