// Composition root: env → telemetry → NATS → app → listen. SIGTERM/SIGINT: stop accepting,
// finish in-flight requests and their publishes, then drain NATS and flush spans in `finally`.
import { connectNats, createPublisher, loadEnvOrExit, runService, shutdownSignal } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { createLogger, createMetrics, startTelemetry } from '@wamesh/telemetry';
import { buildApp } from './app.ts';
import { loadIngressEnv, telemetryOptions } from './env.ts';
import { natsReadiness } from './readiness.ts';

const service = 'wamesh-ingress';
const config = loadEnvOrExit(service, () => loadIngressEnv());
// Before any Fastify instance exists, so @fastify/otel instruments it.
const telemetry = startTelemetry(telemetryOptions());
const logger = createLogger({ service, region: config.region, level: config.logLevel });

async function run(): Promise<void> {
  logger.info(
    { shards: config.shards, nats: config.nats.servers, secrets: config.appSecrets.length, exporting: telemetry.exporting },
    'ingress starting',
  );

  // No async stack capture per request: it is two Error objects for every publish.
  const nc = await connectNats(config.nats, logger, { overrides: { noAsyncTraces: true } });
  try {
    const app = buildApp({
      config,
      publisher: createPublisher(nc, { timeoutMs: config.publishTimeoutMs, disconnectedGraceMs: config.disconnectedGraceMs }),
      readiness: natsReadiness(nc, streamNames(config.region).input),
      logger,
      metrics: createMetrics({ service, region: config.region }),
    });
    await app.listen({ port: config.port, host: config.host });

    const signal = await shutdownSignal(logger);
    logger.info({ signal }, 'ingress stopping: finishing in-flight requests');
    // Stops accepting, answers 503 on kept-alive connections, waits for in-flight handlers
    // (and so for their PubAcks), then closes idle connections.
    await app.close();
    logger.info('http server closed');
  } finally {
    await nc.drain().catch((err) => logger.warn({ err }, 'nats drain failed'));
    logger.info('nats drained');
    await telemetry.shutdown().catch((err) => logger.warn({ err }, 'telemetry flush failed'));
  }
  logger.info('ingress stopped');
}

runService(service, logger, run);
