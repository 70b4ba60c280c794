import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  service: string;
  region: string;
  level?: string;
  /** Where lines go (default stdout): a stream (tests read lines back) or a file path. */
  destination?: DestinationStream | string;
}

// Anything that could carry a secret or a user's message is censored wherever it shows
// up in a log object (up to a few levels deep), even when someone logs a whole config or
// request. A key scan instead of pino's path-based redact: wildcard paths cost ~10 µs a line.
const SENSITIVE = new Set([
  'secret',
  'secrets',
  'appsecret',
  'appsecrets',
  'verifytoken',
  'password',
  'pass',
  'token',
  'creds',
  'credsfile',
  'authorization',
  'signature',
  'body',
  'x-hub-signature-256',
  'hub.verify_token',
]);
const CENSORED = '[redacted]';
const MAX_DEPTH = 4;

/** `obj` with sensitive keys censored; the same object when there is nothing to censor. */
export function scrub<T>(obj: T, depth = 0): T {
  if (depth > MAX_DEPTH || obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Error) {
    return obj;
  }
  let out: Record<string, unknown> | undefined;
  const src = obj as Record<string, unknown>;
  for (const key in src) {
    const value = src[key];
    let next = value;
    if (SENSITIVE.has(key.toLowerCase())) next = CENSORED;
    else if (value !== null && typeof value === 'object') next = scrub(value, depth + 1);
    if (next !== value) {
      out ??= { ...src };
      out[key] = next;
    }
  }
  return (out ?? obj) as T;
}

/** trace_id/span_id of the active span, so a log line finds its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

/** Options for pino (or Fastify's `logger` option) with trace ids, service and region. */
export function loggerOptions(config: Omit<LoggerConfig, 'destination'>): LoggerOptions {
  return {
    level: config.level ?? 'info',
    base: { service: config.service, region: config.region },
    mixin: traceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (obj) => scrub(obj) },
  };
}

/** How long a buffered line may wait before it is written. */
const FLUSH_EVERY_MS = 250;

/**
 * The JSON logger every service uses: one line per event, trace ids when a span is active.
 * stdout (default) or a file path is written in 4 KiB chunks, flushed every 250 ms and on
 * exit, instead of one write(2) per line on the request path.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options = loggerOptions(config);
  if (config.destination !== undefined && typeof config.destination !== 'string') {
    return pino(options, config.destination);
  }
  const stream = pino.destination({ dest: config.destination ?? 1, sync: false, minLength: 4096 });
  setInterval(() => {
    // flush() throws while the stream is not ready yet (opening a file): the next tick will do.
    try {
      stream.flush();
    } catch {}
  }, FLUSH_EVERY_MS).unref();
  return pino(options, stream);
}
