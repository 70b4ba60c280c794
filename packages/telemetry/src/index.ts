// @wamesh/telemetry: OpenTelemetry start-up, trace context in NATS headers, logs, metrics.
export {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_WA_BEATEN_BY,
  ATTR_WA_INVERSION_SECONDS,
  ATTR_WA_OUTCOME,
  EVENT_WA_INVERSION,
  MessagingOperation,
} from './attributes.ts';
export { createLogger, type Logger } from './logger.ts';
export { Counter, createMetrics, Gauge, Histogram, type Metrics, type Registry } from './metrics.ts';
export { extractTraceContext, injectTraceContext, spanContextFromTraceparent, traceHeadersOf } from './propagation.ts';
export { requestContext, startTelemetry } from './sdk.ts';
export { eventAttributes, messagingAttributes, recordInversion, startPublishSpan, wameshTracer } from './spans.ts';
export { type ReadableSpan, startTestTelemetry, type TestTelemetry } from './testing.ts';
// The API pieces services need, so they depend on @wamesh/telemetry alone.
export { type Context, context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
