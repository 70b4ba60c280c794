// Composition root of the relay: environment, telemetry, NATS, its own resources, the relay,
// /metrics; on SIGTERM/SIGINT let attempts in flight settle, save cursors, release the
// leases, drain NATS, flush spans.
import { createServer } from 'node:http';
import { connectNats, ensureTopology } from '@wamesh/bus';
import { createLogger, createMetrics, startTelemetry } from '@wamesh/telemetry';
import { loadRelayEnv, type RelayConfig } from './env.ts';
import { jetStreamFeedSource } from './feed-source.ts';
import { relayMetrics } from './metrics.ts';
import { buildRelay, type Relay } from './relay.ts';
import { relayTopology } from './topology.ts';

const service = 'wamesh-relay';
let config: RelayConfig;
try {
  config = loadRelayEnv();
} catch (err) {
  console.error(`${service}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const telemetry = startTelemetry({ serviceName: service, region: 'global' });
const logger = createLogger({ service, region: 'global', level: config.logLevel });

async function run(): Promise<void> {
  const nc = await connectNats(config.nats, logger, { waitOnFirstConnect: true });
  await ensureTopology(nc, relayTopology({ replicas: config.replicas, leaseTtlMs: config.leaseTtlMs }));
  const metrics = createMetrics({ service, region: 'global' });
  let relay: Relay | undefined;
  relay = buildRelay({
    nc,
    source: jetStreamFeedSource(nc, config.feed),
    endpoints: config.endpoints,
    partitions: config.partitions,
    leaseTtlMs: config.leaseTtlMs,
    logger,
    observer: relayMetrics(metrics, () => relay),
  });
  const http = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  }).listen(config.metricsPort);

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ signal }, 'relay stopping: settling attempts in flight');
      try {
        await relay.stop();
      } finally {
        http.close();
        await nc.drain().catch((err) => logger.error({ err }, 'nats drain failed'));
        await telemetry.shutdown().catch((err) => logger.error({ err }, 'telemetry shutdown failed'));
      }
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  logger.info({ endpoints: config.endpoints.map((e) => e.name), feed: config.feed, partitions: config.partitions }, 'relay starting');
  await relay.start();
}

run().catch((err) => {
  logger.fatal({ err }, 'relay failed');
  process.exit(1);
});
