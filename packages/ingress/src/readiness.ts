// Ready = the NATS link is up and the region's stream answers (JetStream API STREAM.INFO).
import type { Readiness, ReadinessProbe } from './probes.ts';

/** The part of a nats-core NatsConnection the probe needs. */
export interface NatsLink {
  isClosed(): boolean;
  isDraining(): boolean;
  request(subject: string, payload?: string, opts?: { timeout: number }): Promise<{ json<T>(): T }>;
}

export function natsReadiness(nc: NatsLink, stream: string, timeoutMs = 2_000): ReadinessProbe {
  return async (): Promise<Readiness> => {
    if (nc.isClosed() || nc.isDraining()) {
      return { ready: false, checks: { nats: 'closed', stream: 'unknown' } };
    }
    try {
      const info = (await nc.request(`$JS.API.STREAM.INFO.${stream}`, '', { timeout: timeoutMs })).json<{
        error?: { code?: number; description?: string };
      }>();
      if (info.error) {
        return { ready: false, checks: { nats: 'ok', stream: `${stream}: ${info.error.description ?? 'error'}` } };
      }
      return { ready: true, checks: { nats: 'ok', stream: 'ok' } };
    } catch (err) {
      const name = err instanceof Error ? err.name : 'error';
      return { ready: false, checks: { nats: name, stream: 'unreachable' } };
    }
  };
}
