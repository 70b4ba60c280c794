// Composition root of the relay: environment, telemetry, NATS, its own resources, the relay,
// /metrics; on SIGTERM/SIGINT let attempts in flight settle, save cursors and release the
// leases, then close /metrics, drain NATS and flush spans in `finally`.
import { createServer } from 'node:http';
import { connectNats, ensureTopology, loadEnvOrExit, runService, shutdownSignal } from '@wamesh/bus';
import { createLogger, createMetrics, startTelemetry } from '@wamesh/telemetry';
import { loadRelayEnv } from './env.ts';
import { jetStreamFeedSource } from './feed-source.ts';
import { relayMetrics } from './metrics.ts';
import { buildRelay, type Relay } from './relay.ts';
import { relayTopology } from './topology.ts';

const service = 'wamesh-relay';
const config = loadEnvOrExit(service, () => loadRelayEnv());
const telemetry = startTelemetry({ serviceName: service, region: 'global' });
const logger = createLogger({ service, region: 'global', level: config.logLevel });

async function run(): Promise<void> {
  const nc = await connectNats(config.nats, logger, { waitOnFirstConnect: true });
  const stopSignal = shutdownSignal(logger);
  const metrics = createMetrics({ service, region: 'global' });
  const http = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  try {
    await ensureTopology(nc, relayTopology({ replicas: config.replicas, leaseTtlMs: config.leaseTtlMs }));
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
    http.listen(config.metricsPort);
    logger.info({ endpoints: config.endpoints.map((e) => e.name), feed: config.feed, partitions: config.partitions }, 'relay starting');
    try {
      await relay.start();
      const signal = await stopSignal;
      logger.info({ signal }, 'relay stopping: settling attempts in flight');
    } finally {
      await relay.stop();
    }
  } finally {
    http.close();
    await nc.drain().catch((err) => logger.error({ err }, 'nats drain failed'));
    await telemetry.shutdown().catch((err) => logger.error({ err }, 'telemetry shutdown failed'));
  }
}

runService(service, logger, run);
