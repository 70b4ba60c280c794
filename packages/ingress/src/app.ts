// buildApp(deps): the ingress as a Fastify instance, everything it talks to passed in.
import { randomBytes } from 'node:crypto';
import type { Publisher } from '@wamesh/bus';
import { type Split, splitWebhook } from '@wamesh/core';
import { context, type Logger, type Metrics, requestContext } from '@wamesh/telemetry';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { DEFAULT_MAX_IN_FLIGHT, type IngressConfig } from './env.ts';
import { IngressError, sendError } from './errors.ts';
import { ingressMetrics } from './metrics.ts';
import { probeRoutes, type ReadinessProbe } from './probes.ts';
import { createEventPublisher } from './publish.ts';
import { sheddingServer } from './shed.ts';
import { webhookRoutes } from './webhook.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Error code this request was answered with ('' on success), for metrics. */
    waErrorCode: string;
  }
}

export type IngressAppConfig = Pick<IngressConfig, 'region' | 'shards' | 'appSecrets' | 'verifyToken' | 'bodyLimitBytes'> &
  Partial<Pick<IngressConfig, 'maxInFlight'>>;

export interface IngressDeps {
  config: IngressAppConfig;
  /** The bus publisher (createPublisher, bounded by PUBLISH_TIMEOUT_MS): resolves once every PubAck is in. */
  publisher: Publisher;
  /** NATS connected and the region's stream reachable. */
  readiness: ReadinessProbe;
  logger: Logger;
  /** The service's registry (createMetrics); the ingress registers its series on it. */
  metrics: Metrics;
  /** Body → parts; core's splitWebhook unless a test runs an older parser. */
  split?: (json: unknown, shards: number) => Split;
  /** Receive time source (epoch ms); tests pin it. */
  now?: () => number;
}

export function buildApp(deps: IngressDeps): FastifyInstance {
  const { config } = deps;
  const metrics = ingressMetrics(deps.metrics);
  let closing = false;
  // Request ids unique across replicas and restarts without a UUID per request.
  const instanceId = randomBytes(4).toString('hex');
  let requests = 0;

  const app = Fastify({
    loggerInstance: deps.logger,
    // One line per webhook with counts (webhook.ts) instead of two generic lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => `${instanceId}-${(++requests).toString(36)}`,
    serverFactory: sheddingServer({
      maxInFlight: config.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      path: '/webhook',
      retryAfterSeconds: 1,
      logger: deps.logger,
      onShed: () => metrics.requests.inc({ route: '/webhook', status: 503, code: 'OVERLOADED' }),
    }),
  }) as unknown as FastifyInstance;

  app.decorateRequest('waErrorCode', '');
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Requests still in flight when close() begins answer with `Connection: close`, so their
  // kept-alive sockets end with them and close() does not wait out the keep-alive timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    metrics.requests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      code: request.waErrorCode,
    });
    done();
  });

  app.setErrorHandler((err: FastifyError | IngressError, request, reply) => {
    const e = toIngressError(err);
    request.waErrorCode = e.code;
    context.with(requestContext(request), () => {
      if (e.statusCode >= 500) {
        request.log.error({ code: e.code, cause: causeOf(err) }, e.message);
      } else {
        request.log.warn({ code: e.code }, e.message);
      }
    });
    return sendError(reply, e);
  });

  app.setNotFoundHandler((request, reply) => {
    request.waErrorCode = 'NOT_FOUND';
    return sendError(reply, new IngressError('NOT_FOUND'));
  });

  app.register(probeRoutes, { readiness: deps.readiness, metrics: deps.metrics, closing: () => closing });
  app.register(webhookRoutes, {
    appSecrets: config.appSecrets,
    verifyToken: config.verifyToken,
    shards: config.shards,
    bodyLimitBytes: config.bodyLimitBytes,
    split: deps.split ?? splitWebhook,
    metrics,
    now: deps.now ?? Date.now,
    events: createEventPublisher({
      region: config.region,
      shards: config.shards,
      publisher: deps.publisher,
    }),
  });

  return app;
}

/** Maps anything thrown in a request to the catalogue (framework errors included). */
function toIngressError(err: FastifyError | IngressError): IngressError {
  if (err instanceof IngressError) return err;
  const status = err.statusCode ?? 500;
  if (status === 413) return new IngressError('BODY_TOO_LARGE');
  if (status === 503) return new IngressError('SHUTTING_DOWN', undefined, { retryAfter: 1 });
  if (status >= 400 && status < 500) return new IngressError('BAD_REQUEST', err.code);
  return new IngressError('INTERNAL', undefined, { cause: err });
}

function causeOf(err: unknown): unknown {
  const cause = err instanceof IngressError ? err.cause : err;
  if (cause instanceof Error) return { name: cause.name, message: cause.message, code: (cause as { code?: unknown }).code };
  return cause;
}
