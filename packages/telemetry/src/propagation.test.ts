import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import {
  extractTraceContext,
  injectTraceContext,
  linkToTraceparent,
  spanContextFromTraceparent,
  traceHeadersOf,
} from './propagation.ts';

const sc = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: false,
};
const ctx = trace.setSpanContext(ROOT_CONTEXT, sc);

describe('propagation - W3C trace context in NATS headers', () => {
  it('round-trips through nats-core MsgHdrs', () => {
    const h = natsHeaders();
    injectTraceContext(h, ctx);
    expect(h.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const back = trace.getSpanContext(extractTraceContext(h));
    expect(back).toMatchObject({ traceId: sc.traceId, spanId: sc.spanId, isRemote: true });
  });

  it('round-trips through a plain record and keeps tracestate', () => {
    const carrier: Record<string, string> = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'wa=1' };
    const parent = extractTraceContext(carrier);
    const out = injectTraceContext({} as Record<string, string>, parent);
    expect(out).toEqual(carrier);
  });

  it('headers without trace context give the root context (a new trace)', () => {
    expect(trace.getSpanContext(extractTraceContext(natsHeaders()))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' }))).toBeUndefined();
  });

  it('traceHeadersOf gives the headers of one span for EventMeta', () => {
    expect(traceHeadersOf({ spanContext: () => sc })).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('a stored traceparent becomes a span link; invalid ones do not', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(spanContextFromTraceparent(tp)?.spanId).toBe('b7ad6b7169203331');
    expect(linkToTraceparent(tp, { k: 'v' })).toMatchObject({ context: { traceId: sc.traceId }, attributes: { k: 'v' } });
    expect(linkToTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(linkToTraceparent(undefined)).toBeUndefined();
  });
});
