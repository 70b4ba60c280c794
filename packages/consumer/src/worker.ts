// The shard worker of one region: a shard runner whose batch handler writes through the
// store, plus a small HTTP server for /metrics, /healthz and /readyz. Everything it needs
// is passed in (composition root: main.ts), so tests build it on real NATS and a real store.
import type { Tracer } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  type BatchHandler,
  createShardLeases,
  createShardRunner,
  defaultMemberId,
  leaseMetrics,
  type ShardLeases,
  type ShardRunner,
  type ShardRunnerOptions,
} from '@wamesh/bus';
import type { StateStore } from '@wamesh/store';
import { type Logger, type Metrics, wameshTracer } from '@wamesh/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ConsumerConfig } from './env.ts';
import { createFieldsRunner } from './fields.ts';
import { createBatchHandler } from './handler.ts';
import { type ConsumerMetrics, consumerMetrics } from './metrics.ts';

export interface WorkerDeps {
  config: Pick<ConsumerConfig, 'region' | 'shards' | 'batch' | 'maxDeliveries' | 'http'>;
  nc: NatsConnection;
  /** Initialised by start() (idempotent); closed by the composition root, not the worker. */
  store: StateStore;
  logger: Logger;
  metrics: Metrics;
  /** Default: telemetry's `wamesh` tracer. */
  tracer?: Tracer;
  /** Shards to own from start(); default all of the region. Ignored when `leases` is set. */
  shards?: number[];
  /**
   * Share the region's shards with the other replicas through leases in KV
   * `wamesh_leases_<region>` (main sets it): shards start and stop as leases come and go.
   */
  leases?: { ttlMs: number; memberId?: string };
  /** Fine-tuning for tests: runner poll, loop backoff and nak schedule. */
  tuning?: { runner?: Pick<ShardRunnerOptions, 'idlePollMs' | 'retry' | 'nak'> };
}

export interface Worker {
  readonly runner: ShardRunner;
  /** Present when the worker shares its shards through leases. */
  readonly leases: ShardLeases | undefined;
  readonly handler: BatchHandler;
  readonly metrics: ConsumerMetrics;
  /** The probe/metrics app; `inject()` works without start(). */
  readonly http: FastifyInstance;
  /** Initialises the store, starts the owned shards, listens on config.http. */
  start(): Promise<void>;
  /** Settles the in-flight batches (acks flushed), stops fetching, closes the HTTP server. */
  stop(): Promise<void>;
  /** http://host:port once listening. */
  url(): string | undefined;
}

export function buildWorker(deps: WorkerDeps): Worker {
  const { config, nc, store, logger } = deps;
  const tracer = deps.tracer ?? wameshTracer();
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let natsUp = !nc.isClosed();
  let storeOk = true;
  let url: string | undefined;

  // Runner and metrics refer to each other (lag is read from the runner at scrape time).
  let runner: ShardRunner | undefined;
  const metrics = consumerMetrics(deps.metrics, {
    lag: () => runner?.lag() ?? Promise.resolve(new Map()),
    owned: () => runner?.owned() ?? [],
  });
  const handlerDeps: Parameters<typeof createBatchHandler>[0] = {
    store,
    logger,
    metrics,
    tracer,
    onStoreResult: (ok, err) => {
      if (ok !== storeOk) logger[ok ? 'info' : 'warn']({ err }, ok ? 'store writes succeed again' : 'store writes failing');
      storeOk = ok;
    },
  };
  const handler = createBatchHandler(handlerDeps);
  runner = createShardRunner({
    nc,
    region: config.region,
    shards: config.shards,
    handler,
    logger,
    batchSize: config.batch.size,
    batchMaxWaitMs: config.batch.maxWaitMs,
    maxDeliveries: config.maxDeliveries,
    ...deps.tuning?.runner,
    observer: {
      onSettled(_shard, _size, t) {
        if (t.acked) metrics.dispositions.inc({ disposition: 'ack' }, t.acked);
        if (t.naked) metrics.dispositions.inc({ disposition: 'nak' }, t.naked);
        if (t.deadLettered) metrics.dispositions.inc({ disposition: 'dead' }, t.deadLettered);
        if (t.deadLetterFailed) metrics.dispositions.inc({ disposition: 'dead_failed' }, t.deadLetterFailed);
      },
    },
  });
  const shardRunner = runner;
  const fields = createFieldsRunner({
    nc,
    region: config.region,
    store,
    logger,
    batchSize: config.batch.size,
    maxWaitMs: config.batch.maxWaitMs,
    retry: deps.tuning?.runner?.nak ?? { initialMs: 1_000, maxMs: 60_000, factor: 4 },
    onOutcome: (outcome) => metrics.events.inc({ outcome, kind: 'field' }),
  });

  let leases: ShardLeases | undefined;
  if (deps.leases) {
    const memberId = deps.leases.memberId ?? defaultMemberId();
    leases = createShardLeases({
      nc,
      region: config.region,
      shards: config.shards,
      ttlMs: deps.leases.ttlMs,
      memberId,
      logger,
      // A released shard's in-flight batch is settled before its lease is deleted.
      onAcquire: (shard) => shardRunner.start(shard),
      onRelease: (shard) => shardRunner.stop(shard),
      observer: leaseMetrics(deps.metrics.registry, memberId),
    });
  }

  // Track the connection for /readyz; the iterator ends when the connection closes.
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') natsUp = false;
      else if (s.type === 'reconnect') natsUp = true;
    }
    natsUp = false;
  })().catch(() => {
    natsUp = false;
  });

  const http = Fastify({ logger: false });
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_req, reply) => {
    const checks = {
      worker: state === 'running' ? 'ok' : state,
      nats: natsUp && !nc.isClosed() ? 'ok' : 'disconnected',
      store: storeOk ? 'ok' : 'failing',
      shards: String(shardRunner.owned().length),
    };
    const ready = checks.worker === 'ok' && checks.nats === 'ok' && checks.store === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  http.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));

  return {
    runner: shardRunner,
    leases,
    handler,
    metrics,
    http,
    async start() {
      if (state !== 'new') throw new Error(`worker already ${state}`);
      state = 'running';
      await store.init();
      const shards = leases ? [] : (deps.shards ?? [...Array(config.shards).keys()]);
      for (const shard of shards) shardRunner.start(shard);
      await leases?.start();
      fields.start();
      const address = await http.listen({ port: config.http.port, host: config.http.host });
      url = address;
      logger.info({ region: config.region, shards: leases ? 'leased' : shards.length, url }, 'consumer started');
    },
    async stop() {
      if (state === 'stopping' || state === 'stopped') return;
      state = 'stopping';
      // Readiness is 503 from here on; in-flight batches finish and their acks are flushed.
      // Leases: drain each shard, then delete its lease so another replica takes it at once.
      await leases?.stop();
      await Promise.all([shardRunner.stopAll(), fields.stop()]);
      await http.close();
      state = 'stopped';
      logger.info({ region: config.region }, 'consumer stopped');
    },
    url: () => url,
  };
}
