// The only reader of process.env in this package. The OTel SDK reads the OTEL_* details
// (endpoint, protocol, headers, sampler) itself; here we only decide whether to export.

export type EnvLike = Record<string, string | undefined>;

export interface TelemetryEnv {
  /** OTEL_SERVICE_NAME overrides the service's own name when set. */
  serviceName?: string;
  /** Some exporter is asked for: an OTLP endpoint or OTEL_TRACES_EXPORTER other than none. */
  exportTraces: boolean;
  exportMetrics: boolean;
  exportLogs: boolean;
  disabled: boolean;
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
const asks = (v: string | undefined): boolean =>
  set(v) &&
  v
    .split(',')
    .map((s) => s.trim())
    .some((s) => s !== '' && s !== 'none');

export function readTelemetryEnv(env: EnvLike = process.env): TelemetryEnv {
  const endpoint = set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const out: TelemetryEnv = {
    exportTraces:
      env.OTEL_TRACES_EXPORTER?.trim() === 'none'
        ? false
        : endpoint || set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || asks(env.OTEL_TRACES_EXPORTER),
    // Metrics are scraped from /metrics (prom-client); OTLP metrics only when asked by name.
    exportMetrics: asks(env.OTEL_METRICS_EXPORTER),
    exportLogs: asks(env.OTEL_LOGS_EXPORTER),
    disabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
  };
  if (set(env.OTEL_SERVICE_NAME)) out.serviceName = env.OTEL_SERVICE_NAME.trim();
  return out;
}

/** For `--import @wamesh/telemetry/register`: service and region from the environment. */
export function registerOptionsFromEnv(env: EnvLike = process.env): { serviceName: string; region: string } {
  return {
    serviceName: set(env.OTEL_SERVICE_NAME) ? env.OTEL_SERVICE_NAME.trim() : 'wamesh',
    region: set(env.WAMESH_REGION) ? env.WAMESH_REGION.trim() : 'unknown',
  };
}
