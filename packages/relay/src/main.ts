// Composition root of the relay: environment, telemetry, NATS, its own resources, the feed
// source (the KV store's log in JetStream, or a change stream on the Mongo store's), the relay,
// /metrics; on SIGTERM/SIGINT let attempts in flight settle, save cursors and release the
// leases, then close /metrics and the Mongo client, drain NATS and flush spans in `finally`.
import { createServer } from 'node:http';
import { connectNats, ensureTopology, loadEnvOrExit, runService, shutdownSignal } from '@wamesh/bus';
import { createLogger, createMetrics, startTelemetry } from '@wamesh/telemetry';
import { loadRelayEnv } from './env.ts';
import { jetStreamFeedSource } from './feed-source.ts';
import { mongoFeedSource } from './mongo-feed-source.ts';
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
  const { feed } = config;
  const source = 'uri' in feed ? mongoFeedSource(feed) : jetStreamFeedSource(nc, feed);
  try {
    await ensureTopology(nc, relayTopology({ replicas: config.replicas, leaseTtlMs: config.leaseTtlMs }));
    let relay: Relay | undefined;
    relay = buildRelay({
      nc,
      source,
      endpoints: config.endpoints,
      partitions: config.partitions,
      leaseTtlMs: config.leaseTtlMs,
      logger,
      observer: relayMetrics(metrics, () => relay),
    });
    http.listen(config.metricsPort);
    // The Mongo URI may hold credentials: only the database is logged.
    const where = 'uri' in feed ? { mongo: feed.db } : feed;
    logger.info({ endpoints: config.endpoints.map((e) => e.name), feed: where, partitions: config.partitions }, 'relay starting');
    try {
      await relay.start();
      const signal = await stopSignal;
      logger.info({ signal }, 'relay stopping: settling attempts in flight');
    } finally {
      await relay.stop();
    }
  } finally {
    http.close();
    if ('close' in source) await source.close().catch((err) => logger.error({ err }, 'mongo close failed'));
    await nc.drain().catch((err) => logger.error({ err }, 'nats drain failed'));
    await telemetry.shutdown().catch((err) => logger.error({ err }, 'telemetry shutdown failed'));
  }
}

runService(service, logger, run);
