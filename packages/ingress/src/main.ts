// Composition root: env → telemetry → NATS → app → listen. SIGTERM/SIGINT: stop accepting,
// finish in-flight requests and their publishes, drain NATS, flush spans, exit 0.
import { connectNats, createPublisher } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { createLogger, createMetrics, type Logger, startTelemetry } from '@wamesh/telemetry';
import { buildApp } from './app.ts';
import { IngressEnvError, loadIngressEnv, telemetryOptions } from './env.ts';
import { natsReadiness } from './readiness.ts';

// Before any Fastify instance exists, so @fastify/otel instruments it.
const telemetry = startTelemetry(telemetryOptions());

async function run(): Promise<void> {
  const config = loadIngressEnv();
  const service = 'wamesh-ingress';
  const logger = createLogger({ service, region: config.region, level: config.logLevel });
  logger.info(
    { shards: config.shards, nats: config.nats.servers, secrets: config.appSecrets.length, exporting: telemetry.exporting },
    'ingress starting',
  );

  // No async stack capture per request: it is two Error objects for every publish.
  const nc = await connectNats(config.nats, logger, { overrides: { noAsyncTraces: true } });
  try {
    const app = buildApp({
      config,
      publisher: createPublisher(nc, { timeoutMs: config.publishTimeoutMs }),
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

function shutdownSignal(logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      // A second signal while draining means "now".
      process.once(signal, () => {
        logger.warn({ signal }, 'second signal: exiting without draining');
        process.exit(1);
      });
      resolve(signal);
    };
    process.once('SIGTERM', () => on('SIGTERM'));
    process.once('SIGINT', () => on('SIGINT'));
  });
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof IngressEnvError) process.stderr.write(`wamesh-ingress: ${err.message}\n`);
    else process.stderr.write(`wamesh-ingress: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    void telemetry.shutdown().finally(() => process.exit(1));
  },
);
