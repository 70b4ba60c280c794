// One delivery attempt: POST the entry signed per Standard Webhooks with the trace context,
// and say what the answer means for the entry. Deciding retry or dead letter is the
// scheduler's; this only classifies.
import type { FeedEntry, WebhookSigner } from '@wamesh/client';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  spanContextFromTraceparent,
  trace,
  traceHeadersOf,
  wameshTracer,
} from '@wamesh/telemetry';

/** `ok`: 2xx. `retry`: worth another attempt (after `retryAfterMs` if the endpoint said). `final`: never will be. */
export type AttemptOutcome =
  | { result: 'ok'; status: number }
  | { result: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  | { result: 'final'; reason: string; status: number };

export interface AttemptTarget {
  name: string;
  url: string;
  timeoutMs: number;
  sign: WebhookSigner;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined if absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The Standard Webhooks statuses: 2xx done; 408, 429, 5xx worth a retry; any other answer final. */
export function classify(status: number, retryAfter: string | null): AttemptOutcome {
  if (status >= 200 && status < 300) return { result: 'ok', status };
  if (status === 429 || status === 503) {
    const after = retryAfterMs(retryAfter);
    return after === undefined ? { result: 'retry', reason: `http ${status}`, status } : { result: 'retry', reason: `http ${status}`, status, retryAfterMs: after };
  }
  if (status === 408 || status >= 500) return { result: 'retry', reason: `http ${status}`, status };
  return { result: 'final', reason: `http ${status}`, status };
}

export async function attemptDelivery(target: AttemptTarget, entry: FeedEntry, attempt: number): Promise<AttemptOutcome> {
  const parent = spanContextFromTraceparent(entry.traceparent);
  const span = wameshTracer().startSpan(
    'relay deliver',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'wamesh.relay.endpoint': target.name, 'wamesh.feed.kind': entry.kind, 'wamesh.feed.key': entry.key, 'wamesh.feed.seq': entry.seq, 'wamesh.relay.attempt': attempt },
    },
    parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : context.active(),
  );
  const body = JSON.stringify(entry);
  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': entry.id,
    'webhook-timestamp': String(ts),
    'webhook-signature': target.sign(entry.id, ts, body),
  };
  // The attempt's span as the receiver's parent, so its span joins the entry's trace.
  const { traceparent, tracestate } = traceHeadersOf(span);
  const tp = traceparent ?? entry.traceparent;
  if (tp) headers.traceparent = tp;
  if (tracestate) headers.tracestate = tracestate;
  let outcome: AttemptOutcome;
  try {
    const res = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs), redirect: 'manual' });
    // Read the answer so the connection goes back to the pool.
    await res.arrayBuffer().catch(() => undefined);
    outcome = classify(res.status, res.headers.get('retry-after'));
    span.setAttribute('http.response.status_code', res.status);
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    outcome = { result: 'retry', reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `connection: ${errorText(err)}` };
  }
  if (outcome.result !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
  span.end();
  return outcome;
}

function errorText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
}
