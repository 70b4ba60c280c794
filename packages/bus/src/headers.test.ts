import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { InvalidMetaError } from './errors.ts';
import { decodeMeta, encodeMeta, HEADER_RECEIVED_AT, HEADER_REGION } from './headers.ts';

describe('headers - event meta', () => {
  it('round-trips meta with and without trace context', () => {
    const full = { region: 'eu', receivedAt: 1_700_000_000_123, traceparent: '00-a-b-01', tracestate: 'k=v' };
    expect(decodeMeta(encodeMeta(full))).toEqual(full);
    expect(decodeMeta(encodeMeta({ region: 'us', receivedAt: 5 }))).toEqual({ region: 'us', receivedAt: 5 });
  });

  it('reads header names regardless of case', () => {
    const h = headers();
    h.set('wa-region', 'ap');
    h.set('WA-RECEIVED-AT', '42');
    expect(decodeMeta(h)).toEqual({ region: 'ap', receivedAt: 42 });
  });

  it('refuses messages without region or with a bad receive time', () => {
    expect(() => decodeMeta(undefined)).toThrow(InvalidMetaError);
    const noAt = headers();
    noAt.set(HEADER_REGION, 'eu');
    expect(() => decodeMeta(noAt)).toThrow(/Wa-Received-At/);
    const badAt = headers();
    badAt.set(HEADER_REGION, 'eu');
    badAt.set(HEADER_RECEIVED_AT, '12.5');
    const err = (() => {
      try {
        decodeMeta(badAt);
      } catch (e) {
        return e as InvalidMetaError;
      }
    })();
    expect(err?.code).toBe('E_META_INVALID');
  });
});
