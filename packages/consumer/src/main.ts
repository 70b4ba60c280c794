// Composition root of the consumer: read the environment, start telemetry (before mongodb
// is loaded, so its instrumentation applies), connect, build, run; on SIGTERM/SIGINT settle
// in-flight batches, then close the store, drain NATS and flush spans in `finally`.
import { loadEnvOrExit } from '@wamesh/bus';
import { startTelemetry } from '@wamesh/telemetry';
import { loadConsumerEnv, telemetryOptions } from './env.ts';

const service = 'wamesh-consumer';
const config = loadEnvOrExit(service, () => loadConsumerEnv());
const telemetry = startTelemetry(telemetryOptions());

const { connectNats, runService, shutdownSignal } = await import('@wamesh/bus');
const { createStore } = await import('@wamesh/store');
const { createLogger, createMetrics } = await import('@wamesh/telemetry');
const { buildWorker } = await import('./worker.ts');

const logger = createLogger({ service, region: config.region, level: config.logLevel });

async function run(): Promise<void> {
  const nc = await connectNats(config.nats, logger, { waitOnFirstConnect: true });
  const stopSignal = shutdownSignal(logger);
  const store = createStore(
    config.store.kind === 'mongo'
      ? { mongodbUri: config.store.mongodbUri!, mongodbDb: config.store.mongodbDb }
      : { nc },
  );
  try {
    const worker = buildWorker({
      config,
      nc,
      store,
      logger,
      metrics: createMetrics({ service, region: config.region }),
      leases: { ttlMs: config.leaseTtlMs },
    });
    try {
      await worker.start();
      const signal = await stopSignal;
      logger.info({ signal }, 'shutting down: settling in-flight batches');
    } finally {
      await worker.stop();
    }
  } finally {
    await store.close().catch((err) => logger.error({ err }, 'store close failed'));
    await nc.drain().catch((err) => logger.error({ err }, 'nats drain failed'));
    await telemetry.shutdown().catch((err) => logger.error({ err }, 'telemetry shutdown failed'));
  }
  logger.info('consumer exited cleanly');
}

runService(service, logger, run);
