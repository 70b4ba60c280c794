import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerConfig {
  service: string;
  region: string;
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
}

// Anything that could carry a secret or a user's message is censored wherever it
// shows up in a log object, even when someone logs a whole config or request.
const REDACT = [
  'secret',
  'secrets',
  'appSecret',
  'appSecrets',
  'verifyToken',
  'password',
  'pass',
  'token',
  'creds',
  'authorization',
  'signature',
  'body',
  '*.secret',
  '*.secrets',
  '*.appSecret',
  '*.appSecrets',
  '*.verifyToken',
  '*.password',
  '*.pass',
  '*.token',
  '*.creds',
  '*.authorization',
  '*.signature',
  '*.body',
  '*.*.pass',
  '*.*.token',
  'headers["x-hub-signature-256"]',
  'headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers.authorization',
  'req.query["hub.verify_token"]',
  'query["hub.verify_token"]',
];

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
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** The JSON logger every service uses: one line per event, trace ids when a span is active. */
export function createLogger(config: LoggerConfig): Logger {
  const options = loggerOptions(config);
  return config.destination ? pino(options, config.destination) : pino(options);
}
