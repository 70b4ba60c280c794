// One fetch loop per owned shard on its durable pull consumer `shard-<n>`: fetch a batch,
// then settle it (settle.ts: from the BatchHandler's verdicts, every message is acked,
// nak'd or dead-lettered). Shards start and stop one by one at run time, so lease-based
// ownership can move them between replicas.
import { type Consumer, type JetStreamClient, type JsMsg, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { streamNames } from '@wamesh/core';
import { createDeadLetterer, type DeadLetterer } from './dead-letter.ts';
import type { BusLogger } from './logger.ts';
import { backoff, type RetryPolicy, sleep } from './retry.ts';
import { createSettler, type SettleTally } from './settle.ts';
import { shardConsumerName } from './topology.ts';
import type { BatchHandler } from './types.ts';

export interface RunnerObserver {
  onSettled?(shard: number, size: number, tally: SettleTally): void;
  onDeadLetter?(shard: number, subject: string, reason: string): void;
  onLoopError?(shard: number, err: unknown): void;
}

export interface ShardRunnerOptions {
  nc: NatsConnection;
  region: string;
  /** Shard count of the deployment; start() refuses shards outside [0, shards). */
  shards: number;
  handler: BatchHandler;
  logger: BusLogger;
  /** Most messages per batch (BATCH_SIZE). */
  batchSize: number;
  /**
   * After the first message of a batch arrives and less than a full batch is pending, wait
   * this long for more to gather (BATCH_MAX_WAIT_MS); 0 hands over what is there at once.
   */
  batchMaxWaitMs: number;
  /** A retryable message on its MAX_DELIVERIES-th delivery is dead-lettered instead. */
  maxDeliveries: number;
  /** Long-poll of an idle shard; nats.js wants at least 1000 ms. Bounds how long stop() waits. */
  idlePollMs?: number;
  /** Backoff of the loop after an error (consumer missing, NATS down); default 250 ms x2 up to 10 s. */
  retry?: RetryPolicy;
  /**
   * Nak delay of a retryable message by its delivery count; default 1 s x4 up to 60 s, so
   * five deliveries span over a minute of store outage before MAX_DELIVERIES dead-letters them.
   */
  nak?: RetryPolicy;
  observer?: RunnerObserver;
  /** Override for tests; defaults to a DLQ publisher on this connection. */
  deadLetterer?: DeadLetterer;
}

export interface ShardRunner {
  /** Starts fetching the shard (no-op when already running; queued behind a pending stop). */
  start(shard: number): void;
  /** Finishes and settles the in-flight batch, then stops fetching; resolves when done. */
  stop(shard: number): Promise<void>;
  stopAll(): Promise<void>;
  /** Shards being fetched now (not stopping), ascending. */
  owned(): number[];
  /** num_pending of each owned shard's consumer (last known value when the lookup fails). */
  lag(): Promise<Map<number, number>>;
}

interface ShardLoop {
  shard: number;
  stopping: boolean;
  abort: AbortController;
  done: Promise<void>;
  consumer?: Consumer;
  lastLag: number;
  /** A start() that arrived while this loop was stopping. */
  restart: boolean;
}

const DEFAULT_IDLE_POLL_MS = 1_000;
const DEFAULT_RETRY: RetryPolicy = { initialMs: 250, maxMs: 10_000 };
const DEFAULT_NAK: RetryPolicy = { initialMs: 1_000, maxMs: 60_000, factor: 4 };
const FETCH_EXPIRES_MS = 1_000;

export function createShardRunner(opts: ShardRunnerOptions): ShardRunner {
  const { nc, region, shards, handler, logger, batchSize, batchMaxWaitMs, maxDeliveries } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) {
    throw new RangeError(`maxDeliveries must be >= 1, got ${maxDeliveries}`);
  }
  const idlePollMs = Math.max(1_000, opts.idlePollMs ?? DEFAULT_IDLE_POLL_MS);
  const retryWait = backoff(opts.retry ?? DEFAULT_RETRY);
  const stream = streamNames(region).input;
  const js: JetStreamClient = jetstream(nc);
  const observer = opts.observer ?? {};
  const settle = createSettler({
    nc,
    region,
    handler,
    logger,
    maxDeliveries,
    nak: opts.nak ?? DEFAULT_NAK,
    dlq: opts.deadLetterer ?? createDeadLetterer(js, region),
    observer,
  });
  const loops = new Map<number, ShardLoop>();

  async function nextBatch(loop: ShardLoop, consumer: Consumer, hint: number): Promise<JsMsg[]> {
    if (hint > 0) return fetchUpTo(consumer, Math.min(batchSize, hint));
    // Idle or unknown: long-poll for one message, which tells how many more are pending.
    const first = await consumer.next({ expires: idlePollMs });
    if (!first) return [];
    let pending = first.info.pending;
    if (batchSize > 1 && pending + 1 < batchSize && batchMaxWaitMs > 0 && !loop.stopping) {
      await sleep(batchMaxWaitMs, loop.abort.signal);
      pending = (await consumer.info()).num_pending;
    }
    if (batchSize === 1 || pending === 0) return [first];
    return [first, ...(await fetchUpTo(consumer, Math.min(batchSize - 1, pending)))];
  }

  async function run(loop: ShardLoop): Promise<void> {
    const { shard } = loop;
    let failures = 0;
    let failedBatches = 0;
    let hint = 0;
    logger.info({ region, shard, stream, consumer: shardConsumerName(shard) }, 'shard started');
    while (!loop.stopping) {
      try {
        loop.consumer ??= await js.consumers.get(stream, shardConsumerName(shard));
        const consumer = loop.consumer;
        const batch = await nextBatch(loop, consumer, hint);
        failures = 0;
        if (batch.length === 0) {
          hint = 0;
          loop.lastLag = 0;
          continue;
        }
        hint = batch.at(-1)?.info.pending ?? 0;
        loop.lastLag = hint;
        // Once fetched, a batch is always settled, even when stop() came in meanwhile.
        const tally = await settle(shard, consumer, batch);
        // A batch that was all nak'd (store down) pauses the shard, with growing waits, so
        // a backlog does not burn its deliveries against a dead store in a few seconds.
        failedBatches = tally.acked + tally.deadLettered === 0 ? failedBatches + 1 : 0;
        if (failedBatches > 0) await sleep(retryWait(failedBatches), loop.abort.signal);
      } catch (err) {
        failures++;
        hint = 0;
        loop.consumer = undefined; // it may have been deleted and re-created
        const delay = retryWait(failures);
        logger.error({ err, region, shard, failures, retryInMs: Math.round(delay) }, 'shard loop error; retrying');
        observer.onLoopError?.(shard, err);
        await sleep(delay, loop.abort.signal);
      }
    }
    logger.info({ region, shard }, 'shard stopped');
  }

  function start(shard: number): void {
    if (!Number.isInteger(shard) || shard < 0 || shard >= shards) {
      throw new RangeError(`shard must be an integer in [0, ${shards}), got ${shard}`);
    }
    const existing = loops.get(shard);
    if (existing) {
      if (existing.stopping) existing.restart = true;
      return;
    }
    const loop: ShardLoop = {
      shard,
      stopping: false,
      abort: new AbortController(),
      done: Promise.resolve(),
      lastLag: 0,
      restart: false,
    };
    loops.set(shard, loop);
    loop.done = run(loop)
      .catch((err) => logger.error({ err, region, shard }, 'shard loop ended unexpectedly'))
      .finally(() => {
        loops.delete(shard);
        if (loop.restart) start(shard);
      });
  }

  async function stop(shard: number): Promise<void> {
    const loop = loops.get(shard);
    if (!loop) return;
    loop.restart = false;
    loop.stopping = true;
    loop.abort.abort();
    await loop.done;
  }

  return {
    start,
    stop,
    async stopAll() {
      await Promise.all([...loops.keys()].map(stop));
    },
    owned() {
      return [...loops.values()]
        .filter((l) => !l.stopping)
        .map((l) => l.shard)
        .sort((a, b) => a - b);
    },
    async lag() {
      const out = new Map<number, number>();
      await Promise.all(
        [...loops.values()]
          .filter((l) => !l.stopping)
          .map(async (l) => {
            try {
              const consumer = l.consumer ?? (await js.consumers.get(stream, shardConsumerName(l.shard)));
              l.lastLag = (await consumer.info()).num_pending;
            } catch {
              // keep the last known value: metrics should not fail because NATS blinked
            }
            out.set(l.shard, l.lastLag);
          }),
      );
      return out;
    },
  };
}

async function fetchUpTo(consumer: Consumer, max: number): Promise<JsMsg[]> {
  const out: JsMsg[] = [];
  const iter = await consumer.fetch({ max_messages: max, expires: FETCH_EXPIRES_MS });
  for await (const m of iter) out.push(m);
  return out;
}
