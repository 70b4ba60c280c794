import {
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// The NATS contract is W3C trace context (`traceparent`/`tracestate`) whatever
// OTEL_PROPAGATORS says, so headers written here are readable by every region.
const w3c = new W3CTraceContextPropagator();

/** nats-core MsgHdrs (get/set) or a plain record. */
export type HeadersLike =
  | { get(key: string): string | undefined | null; set(key: string, value: string): void }
  | Record<string, string | undefined>;

function isMsgHdrs(h: HeadersLike): h is Extract<HeadersLike, { get: unknown }> {
  return typeof (h as { get?: unknown }).get === 'function' && typeof (h as { set?: unknown }).set === 'function';
}

const setter: TextMapSetter<HeadersLike> = {
  set(carrier, key, value) {
    if (isMsgHdrs(carrier)) carrier.set(key, value);
    else carrier[key] = value;
  },
};

const getter: TextMapGetter<HeadersLike> = {
  get(carrier, key) {
    // MsgHdrs.get answers '' for a missing header; the propagator wants undefined.
    const v = isMsgHdrs(carrier) ? carrier.get(key) : carrier[key];
    return v ? v : undefined;
  },
  keys(carrier) {
    if (isMsgHdrs(carrier)) {
      const keys = (carrier as { keys?: () => Iterable<string> }).keys;
      return keys ? [...keys.call(carrier)] : ['traceparent', 'tracestate'];
    }
    return Object.keys(carrier);
  },
};

/** Writes `traceparent` (and `tracestate`) of `ctx` (default: the active context) into headers. */
export function injectTraceContext<H extends HeadersLike>(headers: H, ctx: Context = context.active()): H {
  w3c.inject(ctx, headers, setter);
  return headers;
}

/**
 * The context carried by message headers, as a parent for a consumer span:
 * `tracer.startSpan(name, { kind: SpanKind.CONSUMER }, extractTraceContext(msg.headers))`.
 * Headers without (valid) trace context give `base`, so the span starts a new trace.
 */
export function extractTraceContext(headers: HeadersLike | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!headers) return base;
  return w3c.extract(base, headers, getter);
}

export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

/** The W3C headers of one span, e.g. for `EventMeta.traceparent` or a stored winner. */
export function traceHeadersOf(span: { spanContext(): SpanContext }): TraceHeaders {
  // Formatted directly: this runs once per published event.
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return {};
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  const headers: TraceHeaders = { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
  const state = sc.traceState?.serialize();
  if (state) headers.tracestate = state;
  return headers;
}

/** Parses a stored `traceparent` (e.g. the winning event's); undefined when absent or invalid. */
export function spanContextFromTraceparent(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  if (!traceparent) return undefined;
  const carrier: Record<string, string | undefined> = { traceparent, tracestate };
  const sc = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, carrier, getter));
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

/** A span link to another event's trace (a stale event links to the event that beat it). */
export function linkToTraceparent(
  traceparent: string | undefined,
  attributes?: Link['attributes'],
): Link | undefined {
  const sc = spanContextFromTraceparent(traceparent);
  if (!sc) return undefined;
  return attributes ? { context: sc, attributes } : { context: sc };
}
