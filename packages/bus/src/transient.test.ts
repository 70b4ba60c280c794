import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { TopologyError } from './errors.ts';
import { isTransient } from './transient.ts';

const apiError = (code: number, err_code: number, description: string) => new JetStreamApiError({ code, err_code, description });

describe('transient - what is worth retrying', () => {
  it('transient - a cluster not ready yet, timeouts and no responders, also when wrapped', () => {
    expect(isTransient(apiError(400, 10005, 'no suitable peers for placement'))).toBe(true);
    expect(isTransient(apiError(503, 10008, 'JetStream system temporarily unavailable'))).toBe(true);
    expect(isTransient(apiError(500, 10009, 'JetStream cluster can not handle request'))).toBe(true);
    expect(isTransient(new TimeoutError())).toBe(true);
    expect(isTransient(new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') }))).toBe(true);
    const wrapped = new TopologyError('stream WA_EU', 'no suitable peers', { cause: apiError(400, 10005, 'no suitable peers for placement') });
    expect(isTransient(wrapped)).toBe(true);
  });

  it('transient - a refusal the server will repeat is not, whatever its message says', () => {
    expect(isTransient(apiError(400, 10058, 'stream name already in use with a different configuration'))).toBe(false);
    expect(isTransient(new TopologyError('stream WA_EU', 'timeout in the description'))).toBe(false);
    expect(isTransient(new Error('no suitable peers'))).toBe(false);
    expect(isTransient('timeout')).toBe(false);
  });
});
