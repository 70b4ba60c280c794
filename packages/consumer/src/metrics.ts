import { Counter, Gauge, Histogram, type Metrics } from '@wamesh/telemetry';

/** The consumer's own series, registered on the service's registry. */
export interface ConsumerMetrics {
  /** Events by outcome (applied/merged/stale/duplicate, or invalid) and kind (msg/status). */
  events: Counter<'outcome' | 'kind'>;
  /** Messages per fetched batch. */
  batchSize: Histogram;
  /** Store calls of one batch, by operation (apply, log) and result (ok, error). */
  storeSeconds: Histogram<'op' | 'result'>;
  /** How late a stale event was: WhatsApp seconds between it and the event that beat it. */
  inversionSeconds: Histogram<'kind'>;
  /** How each message left the shard: ack, nak, dead (dead-lettered), dead_failed. */
  dispositions: Counter<'disposition'>;
  /** num_pending of each owned shard's consumer, read at scrape time. */
  lag: Gauge<'shard'>;
  ownedShards: Gauge;
}

export function consumerMetrics(
  metrics: Metrics,
  sources: { lag: () => Promise<Map<number, number>>; owned: () => number[] },
): ConsumerMetrics {
  const registers = [metrics.registry];
  return {
    events: new Counter({
      name: 'wamesh_consumer_events_total',
      help: 'Events handled, by outcome and kind',
      labelNames: ['outcome', 'kind'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'wamesh_consumer_batch_size',
      help: 'Messages per fetched batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    storeSeconds: new Histogram({
      name: 'wamesh_consumer_store_seconds',
      help: 'Store calls of one batch (apply: joined writes; log: event-log append)',
      labelNames: ['op', 'result'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    inversionSeconds: new Histogram({
      name: 'wamesh_consumer_inversion_seconds',
      help: 'Stale events: WhatsApp seconds between the event and the newer one that beat it',
      labelNames: ['kind'],
      buckets: [0, 1, 5, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600],
      registers,
    }),
    dispositions: new Counter({
      name: 'wamesh_consumer_dispositions_total',
      help: 'How messages were settled: ack, nak, dead (dead-lettered), dead_failed (DLQ publish failed, nak)',
      labelNames: ['disposition'],
      registers,
    }),
    lag: new Gauge({
      name: 'wamesh_consumer_lag',
      help: 'Messages not yet delivered to the shard consumer (num_pending), per owned shard',
      labelNames: ['shard'],
      registers,
      async collect() {
        const lag = await sources.lag();
        this.reset();
        for (const [shard, pending] of lag) this.set({ shard: String(shard) }, pending);
      },
    }),
    ownedShards: new Gauge({
      name: 'wamesh_consumer_owned_shards',
      help: 'Shards this worker fetches now',
      registers,
      collect() {
        this.set(sources.owned().length);
      },
    }),
  };
}
