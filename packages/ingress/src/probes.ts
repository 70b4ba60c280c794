// Liveness, readiness and the Prometheus scrape.
import type { Metrics } from '@wamesh/telemetry';
import type { FastifyInstance } from 'fastify';
import { IngressError } from './errors.ts';

/** Each check is 'ok' or a short reason it is not. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export type ReadinessProbe = () => Promise<Readiness>;

export interface ProbeRouteOptions {
  readiness: ReadinessProbe;
  metrics: Metrics;
  /** Readiness answers 503 from the moment shutdown begins, so balancers stop sending. */
  closing: () => boolean;
}

export function probeRoutes(app: FastifyInstance, opts: ProbeRouteOptions, done: (err?: Error) => void): void {
  const { readiness, metrics, closing } = opts;

  app.get('/healthz', async (_request, reply) => reply.type('application/json').send('{"status":"ok"}'));

  app.get('/readyz', async (_request, reply) => {
    if (closing()) throw new IngressError('SHUTTING_DOWN');
    let report: Readiness;
    try {
      report = await readiness();
    } catch (err) {
      report = { ready: false, checks: { probe: err instanceof Error ? err.name : 'failed' } };
    }
    if (!report.ready) {
      return reply.code(503).header('retry-after', '1').send({ error: { code: 'NOT_READY', message: 'not ready' }, checks: report.checks });
    }
    return reply.send({ status: 'ready', checks: report.checks });
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));

  done();
}
