// Settling a fetched batch: hand it to the BatchHandler (keeping the messages from being
// redelivered while it works), then decide each message's fate from its verdict, here and
// nowhere else: ack, nak with the retry policy's delay, or dead letter. Acks go out only
// after the handler returned, i.e. after the store write.
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { deadline, type NatsConnection, TimeoutError } from '@nats-io/nats-core';
import type { DeadLetterer } from './dead-letter.ts';
import type { BusLogger } from './logger.ts';
import { type Backoff, backoff, type RetryPolicy } from './retry.ts';
import type { RunnerObserver } from './shard-runner.ts';
import type { BatchHandler, Verdict } from './types.ts';

/** How one batch was settled; for metrics. */
export interface SettleTally {
  acked: number;
  naked: number;
  deadLettered: number;
  /** Dead letters whose DLQ publish failed: nak'd instead, nothing termed. */
  deadLetterFailed: number;
}

export interface SettlerOptions {
  nc: NatsConnection;
  region: string;
  handler: BatchHandler;
  logger: BusLogger;
  /** A retryable message on its MAX_DELIVERIES-th delivery is dead-lettered instead. */
  maxDeliveries: number;
  /** Nak delay by delivery count, for retryable messages and failed dead-letter publishes. */
  nak: RetryPolicy;
  dlq: DeadLetterer;
  observer: RunnerObserver;
}

export type Settle = (shard: number, consumer: Consumer, batch: JsMsg[]) => Promise<SettleTally>;

const ACK_FLUSH_TIMEOUT_MS = 5_000;

export function createSettler(opts: SettlerOptions): Settle {
  const { nc, region, handler, logger, maxDeliveries, dlq, observer } = opts;
  const nakDelay: Backoff = backoff(opts.nak);

  async function settleOne(shard: number, msg: JsMsg, v: Verdict, tally: SettleTally): Promise<void> {
    if (v.kind === 'ok') {
      msg.ack();
      tally.acked++;
      return;
    }
    let reason = v.reason;
    if (v.kind === 'retryable') {
      if (msg.info.deliveryCount < maxDeliveries) {
        msg.nak(nakDelay(msg.info.deliveryCount));
        tally.naked++;
        return;
      }
      reason = `max deliveries (${maxDeliveries}) reached: ${v.reason}`;
    }
    try {
      await dlq.deadLetter(msg, shard, reason);
      msg.term();
      tally.deadLettered++;
      observer.onDeadLetter?.(shard, msg.subject, reason);
      logger.warn(
        { region, shard, subject: msg.subject, seq: msg.info.streamSequence, deliveries: msg.info.deliveryCount, reason },
        'message dead-lettered',
      );
    } catch (err) {
      // Never term what the DLQ did not take: try again later.
      msg.nak(nakDelay(msg.info.deliveryCount));
      tally.deadLetterFailed++;
      logger.error({ err, region, shard, subject: msg.subject, seq: msg.info.streamSequence, reason }, 'dead-letter publish failed; nak');
    }
  }

  return async (shard, consumer, batch) => {
    // Keep the server from redelivering while a slow store write is still going on.
    const ackWaitMs = ((await consumer.info(true)).config.ack_wait ?? 30e9) / 1e6;
    const ticker = setInterval(() => {
      for (const m of batch) m.working();
    }, Math.max(500, ackWaitMs / 3));
    let verdicts: Verdict[];
    try {
      verdicts = await handler(shard, batch);
    } catch (err) {
      logger.error({ err, region, shard, size: batch.length }, 'batch handler threw; naking the batch');
      observer.onLoopError?.(shard, err);
      const reason = `batch handler threw: ${err instanceof Error ? err.message : String(err)}`;
      verdicts = batch.map(() => ({ kind: 'retryable', reason }));
    } finally {
      clearInterval(ticker);
    }
    const tally: SettleTally = { acked: 0, naked: 0, deadLettered: 0, deadLetterFailed: 0 };
    await Promise.all(
      batch.map((msg, i) => settleOne(shard, msg, verdicts[i] ?? { kind: 'retryable', reason: 'no verdict' }, tally)),
    );
    // Acks are fire-and-forget publishes: make sure the server has them before moving on
    // (and before a stop() resolves). Bounded, so a shutdown during an outage cannot hang:
    // acks still buffered go out on reconnect, or the messages are redelivered (idempotent).
    if (!(await flushWithin(nc, ACK_FLUSH_TIMEOUT_MS))) {
      logger.warn({ region, shard, size: batch.length }, `acks not confirmed within ${ACK_FLUSH_TIMEOUT_MS} ms`);
    }
    observer.onSettled?.(shard, batch.length, tally);
    return tally;
  };
}

async function flushWithin(nc: NatsConnection, ms: number): Promise<boolean> {
  try {
    await deadline(nc.flush(), ms);
    return true;
  } catch (err) {
    if (err instanceof TimeoutError) return false;
    throw err;
  }
}
