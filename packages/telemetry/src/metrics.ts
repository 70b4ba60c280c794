import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';
export { Counter, Gauge, Histogram } from 'prom-client';

export interface MetricsConfig {
  service: string;
  region: string;
  /** Process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
  /** Prefix of the default metrics' names (default `wamesh_`). */
  prefix?: string;
}

export interface Metrics {
  /** Register the service's own metrics here (`registers: [metrics.registry]`). */
  readonly registry: Registry;
  /** Content-Type of `render()`'s text (Prometheus text format). */
  readonly contentType: string;
  /** The text a Prometheus scrape of /metrics gets. */
  render(): Promise<string>;
}

/** A registry of its own per service (never the prom-client global), labelled service+region. */
export function createMetrics(config: MetricsConfig): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: config.service, region: config.region });
  if (config.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: config.prefix ?? 'wamesh_' });
  }
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
