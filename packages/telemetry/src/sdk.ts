import { FastifyOtelInstrumentation } from '@fastify/otel';
import { type Context, context, propagation, type Span, trace } from '@opentelemetry/api';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  NoopSpanProcessor,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_CLOUD_REGION } from './attributes.ts';
import { type EnvLike, readTelemetryEnv } from './env.ts';

export interface TelemetryOptions {
  serviceName: string;
  region: string;
  /** Environment to read OTEL_* from (default process.env). */
  env?: EnvLike;
  /**
   * Test hook: every ended span goes synchronously to this exporter (e.g. an
   * InMemorySpanExporter) instead of OTLP. See `startTestTelemetry`.
   */
  spanExporter?: SpanExporter;
  /** Fastify server spans through @fastify/otel (default true). */
  fastify?: boolean;
  /** MongoDB client spans (default true; needs the SDK started before mongodb loads). */
  mongodb?: boolean;
}

export interface Telemetry {
  readonly serviceName: string;
  readonly region: string;
  /** Whether spans leave the process (OTLP or a test exporter). */
  readonly exporting: boolean;
  /** Sends buffered spans now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the SDK; the globals are released so it can be started again. */
  shutdown(): Promise<void>;
}

const NOT_RECORDING: Sampler = {
  shouldSample: () => ({ decision: SamplingDecision.NOT_RECORD }),
  toString: () => 'NotRecording',
};

// Paths that would drown traces in probes.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

let current: Telemetry | undefined;

/** The running telemetry, if any (e.g. for a main's shutdown path). */
export function getTelemetry(): Telemetry | undefined {
  return current;
}

/**
 * Starts the OpenTelemetry Node SDK once per process (later calls return the running one).
 * Export follows the standard OTEL_* variables and is off when none asks for it; spans
 * are still created then, so trace ids reach logs and NATS headers.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current) return current;
  const env = readTelemetryEnv(options.env);
  const serviceName = env.serviceName ?? options.serviceName;

  let spanProcessors: SpanProcessor[] | undefined;
  let sampler: Sampler | undefined;
  if (options.spanExporter) {
    spanProcessors = [new SimpleSpanProcessor({ exporter: options.spanExporter })];
  } else if (!env.exportTraces) {
    // Nothing leaves the process: spans still get ids (logs, NATS headers, the event log)
    // but record nothing, so they cost next to nothing on the hot path.
    spanProcessors = [new NoopSpanProcessor()];
    sampler = NOT_RECORDING;
  } // else: undefined → the SDK builds OTLP/zipkin/console exporters and the sampler from OTEL_*.

  const instrumentations: (FastifyOtelInstrumentation | MongoDBInstrumentation)[] = [];
  if (options.fastify !== false) {
    instrumentations.push(
      new FastifyOtelInstrumentation({
        // Hooks into every Fastify instance created from now on (diagnostics channel).
        registerOnInitialization: true,
        // One server span per request; no span per hook or handler on the hot path.
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: (route: { url?: string }) => UNTRACED_PATHS.has(route.url ?? ''),
        // "POST /webhook" reads better in Jaeger than the plugin's generic "request".
        requestHook: (span: Span, request: { method: string; routeOptions?: { url?: string } }) => {
          span.updateName(`${request.method} ${request.routeOptions?.url ?? ''}`.trim());
        },
      }),
    );
  }
  if (options.mongodb !== false) instrumentations.push(new MongoDBInstrumentation());

  const sdk = new NodeSDK({
    serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_CLOUD_REGION]: options.region }),
    ),
    ...(spanProcessors ? { spanProcessors } : {}),
    ...(sampler ? { sampler } : {}),
    metricReaders: env.exportMetrics ? undefined : [],
    logRecordProcessors: env.exportLogs ? undefined : [],
    instrumentations,
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  const handle: Telemetry = {
    serviceName,
    region: options.region,
    exporting: !env.disabled && (options.spanExporter !== undefined || env.exportTraces),
    async forceFlush() {
      // The global is a proxy; the SDK provider behind it is the one that buffers.
      const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
      const provider = (proxy.getDelegate?.() ?? proxy) as { forceFlush?: () => Promise<void> };
      await provider.forceFlush?.();
    },
    shutdown() {
      stopped ??= (async () => {
        for (const i of instrumentations) i.disable();
        await sdk.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
        if (current === handle) current = undefined;
      })();
      return stopped;
    },
  };
  current = handle;
  return handle;
}

/**
 * The OpenTelemetry context of a Fastify request: its server span when @fastify/otel
 * instruments the app, else the active context. Use it as the parent of spans started in
 * a handler (Fastify does not keep the hook's async context across body parsing).
 */
export function requestContext(request: object): Context {
  const otel = (request as { opentelemetry?: () => { context?: Context } }).opentelemetry;
  return (typeof otel === 'function' ? otel.call(request).context : undefined) ?? context.active();
}
