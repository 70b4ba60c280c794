import { describe, expect, it } from 'vitest';
import { loadRelayEnv, RelayEnvError } from './env.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const endpoint = { name: 'crm', url: 'https://crm.example/hooks/wa', secrets: [SECRET] };

function failure(env: Record<string, string>): RelayEnvError {
  try {
    loadRelayEnv(env);
  } catch (err) {
    if (err instanceof RelayEnvError) return err;
    throw err;
  }
  throw new Error('expected a RelayEnvError');
}

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
