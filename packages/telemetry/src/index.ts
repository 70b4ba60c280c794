// @wamesh/telemetry: OpenTelemetry start-up, trace context in NATS headers, logs, metrics.
export * from './attributes.ts';
export { type EnvLike, readTelemetryEnv, registerOptionsFromEnv, type TelemetryEnv } from './env.ts';
export { createLogger, type Logger, type LoggerConfig, loggerOptions } from './logger.ts';
export { Counter, createMetrics, Gauge, Histogram, type Metrics, type MetricsConfig, type Registry, Summary } from './metrics.ts';
export {
  extractTraceContext,
  type HeadersLike,
  injectTraceContext,
  linkToTraceparent,
  spanContextFromTraceparent,
  type TraceHeaders,
  traceHeadersOf,
} from './propagation.ts';
export { getTelemetry, requestContext, startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts';
export {
  type BeatenBy,
  eventAttributes,
  messagingAttributes,
  recordInversion,
  startProcessSpan,
  startPublishSpan,
  wameshTracer,
} from './spans.ts';
export { type ReadableSpan, startTestTelemetry, type TestTelemetry } from './testing.ts';
// The API pieces services need, so they depend on @wamesh/telemetry alone.
export {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
