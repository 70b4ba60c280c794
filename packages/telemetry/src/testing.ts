import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { type Telemetry, type TelemetryOptions, startTelemetry } from './sdk.ts';

export type { ReadableSpan } from '@opentelemetry/sdk-trace';

export interface TestTelemetry extends Telemetry {
  /** Ended spans so far, in end order (after letting pending exports land). */
  spans(): Promise<ReadableSpan[]>;
  /** Forgets the spans seen so far. */
  reset(): void;
}

/**
 * Telemetry for tests: the real SDK, spans kept in memory (exported as each ends), no
 * OTLP whatever the environment says. Call `shutdown()` in afterAll.
 */
export function startTestTelemetry(
  options: Omit<TelemetryOptions, 'spanExporter' | 'env'> = { serviceName: 'test', region: 'test' },
): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ ...options, env: {}, spanExporter: exporter });
  return {
    get serviceName() {
      return telemetry.serviceName;
    },
    get region() {
      return telemetry.region;
    },
    get exporting() {
      return telemetry.exporting;
    },
    forceFlush: () => telemetry.forceFlush(),
    shutdown: () => telemetry.shutdown(),
    async spans() {
      // The span processor hands each ended span to the exporter asynchronously.
      await telemetry.forceFlush();
      return exporter.getFinishedSpans();
    },
    reset: () => exporter.reset(),
  };
}
