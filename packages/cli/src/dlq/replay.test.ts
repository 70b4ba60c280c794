import { headers as natsHeaders } from '@nats-io/nats-core';
import { HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT } from '@wamesh/bus';
import { describe, expect, it } from 'vitest';
import { refusal, replayHeaders, replayMsgId } from './replay.ts';

const shards = new Set([0, 1, 2]);

describe('dlq replay rules', () => {
  it('dlq rules - only msg/status inputs of the stream\'s own region with a shard consumer are replayable', () => {
    expect(refusal('eu', 'wa.eu.msg.0', shards)).toBeNull();
    expect(refusal('eu', 'wa.eu.status.2', shards)).toBeNull();
    expect(refusal('eu', 'wafield.eu.account_update', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'waquar.eu', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'wadlq.eu.1', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'wa.eu.other.1', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'wa.eu.msg.x', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'wa.eu.msg.1.extra', shards)).toMatch(/not an input subject/);
    expect(refusal('eu', 'wa.us.msg.1', shards)).toMatch(/region us, not of eu/);
    expect(refusal('eu', 'wa.eu.msg.7', shards)).toMatch(/no shard consumer shard-7 on WA_EU/);
    expect(refusal('eu', null, shards)).toMatch(/no Wa-Dead-Subject header/);
  });

  it('dlq rules - the replay id is distinct from the event id and stable per dead letter; poison falls back to the stream', () => {
    const data = new TextEncoder().encode(JSON.stringify({ id: 'st:wamid.A:read', kind: 'status' }));
    expect(replayMsgId({ stream: 'WADLQ_EU', seq: 7, data })).toBe('st:wamid.A:read:replay:7');
    expect(replayMsgId({ stream: 'WADLQ_EU', seq: 8, data: new Uint8Array([0xff, 0x00]) })).toBe('WADLQ_EU:replay:8');
  });

  it('dlq rules - original headers go back, the DLQ\'s own and Nats-* do not', () => {
    const h = natsHeaders();
    h.set('Nats-Msg-Id', 'WA_EU:12');
    h.set(HEADER_DEAD_REASON, 'why');
    h.set(HEADER_DEAD_SUBJECT, 'wa.eu.msg.0');
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    h.set('Wa-Region', 'eu');
    h.set('Wa-Received-At', '1700000000000');
    h.append('X-Custom', 'a');
    h.append('X-Custom', 'b');
    const out = replayHeaders(h);
    expect([...out.keys()].sort()).toEqual(['Wa-Received-At', 'Wa-Region', 'X-Custom', 'traceparent']);
    expect(out.values('X-Custom')).toEqual(['a', 'b']);
    expect(replayHeaders(undefined).keys()).toEqual([]);
  });
});
