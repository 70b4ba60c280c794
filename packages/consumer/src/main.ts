// Composition root of the consumer: read the environment, start telemetry (before mongodb
// is loaded, so its instrumentation applies), connect, build, run; on SIGTERM/SIGINT settle
// in-flight batches, close the store, drain NATS, flush spans.
import { startTelemetry } from '@wamesh/telemetry';
import { type ConsumerConfig, loadConsumerEnv, telemetryOptions } from './env.ts';

let config: ConsumerConfig;
try {
  config = loadConsumerEnv();
} catch (err) {
  console.error(`wamesh-consumer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const telemetry = startTelemetry(telemetryOptions());

const { connectNats } = await import('@wamesh/bus');
const { createStore } = await import('@wamesh/store');
const { createLogger, createMetrics } = await import('@wamesh/telemetry');
const { buildWorker } = await import('./worker.ts');

const service = 'wamesh-consumer';
const logger = createLogger({ service, region: config.region, level: config.logLevel });

async function run(): Promise<void> {
  const nc = await connectNats(config.nats, logger, { waitOnFirstConnect: true });
  const store = createStore(
    config.store.kind === 'mongo'
      ? { mongodbUri: config.store.mongodbUri!, mongodbDb: config.store.mongodbDb }
      : { nc },
  );
  const worker = buildWorker({
    config,
    nc,
    store,
    logger,
    metrics: createMetrics({ service, region: config.region }),
    leases: { ttlMs: config.leaseTtlMs },
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ signal }, 'shutting down: settling in-flight batches');
      try {
        await worker.stop();
      } finally {
        await store.close().catch((err) => logger.error({ err }, 'store close failed'));
        await nc.drain().catch((err) => logger.error({ err }, 'nats drain failed'));
        await telemetry.shutdown().catch((err) => logger.error({ err }, 'telemetry shutdown failed'));
      }
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => {
          logger.info('consumer exited cleanly');
          process.exit(0);
        },
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  try {
    await worker.start();
  } catch (err) {
    await shutdown('start-up failure');
    throw err;
  }
}

run().catch((err) => {
  logger.fatal({ err }, 'consumer failed');
  process.exit(1);
});
