// Settling a fetched batch: hand it to the BatchHandler (keeping the messages from being
// redelivered while it works), then ack, nak or dead-letter each message as it decided.
// Acks go out only after the handler returned, i.e. after the store write.
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { DeadLetterer } from './dead-letter.ts';
import type { BusLogger } from './logger.ts';
import type { RunnerObserver } from './shard-runner.ts';
import type { BatchHandler, Disposition } from './types.ts';

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
  /** A message to be nak'd on its MAX_DELIVERIES-th delivery is dead-lettered instead. */
  maxDeliveries: number;
  /** Nak delay when the handler gave no usable disposition, or the DLQ publish failed. */
  nakMs: number;
  dlq: DeadLetterer;
  observer: RunnerObserver;
}

export type Settle = (shard: number, consumer: Consumer, batch: JsMsg[]) => Promise<SettleTally>;

const ACK_FLUSH_TIMEOUT_MS = 5_000;

export function createSettler(opts: SettlerOptions): Settle {
  const { nc, region, handler, logger, maxDeliveries, nakMs, dlq, observer } = opts;

  async function settleOne(shard: number, msg: JsMsg, d: Disposition, tally: SettleTally): Promise<void> {
    if (d.kind === 'ack') {
      msg.ack();
      tally.acked++;
      return;
    }
    let reason = d.reason;
    if (d.kind === 'nak') {
      if (msg.info.deliveryCount < maxDeliveries) {
        msg.nak(Math.max(0, d.delayMs));
        tally.naked++;
        return;
      }
      reason = `max deliveries (${maxDeliveries}) reached: ${d.reason}`;
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
      msg.nak(nakMs);
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
    let decided: Disposition[];
    try {
      decided = await handler(shard, batch);
    } catch (err) {
      logger.error({ err, region, shard, size: batch.length }, 'batch handler threw; naking the batch');
      observer.onLoopError?.(shard, err);
      const reason = `batch handler threw: ${err instanceof Error ? err.message : String(err)}`;
      decided = batch.map(() => ({ kind: 'nak', delayMs: nakMs, reason }));
    } finally {
      clearInterval(ticker);
    }
    const tally: SettleTally = { acked: 0, naked: 0, deadLettered: 0, deadLetterFailed: 0 };
    await Promise.all(
      batch.map((msg, i) => settleOne(shard, msg, decided[i] ?? { kind: 'nak', delayMs: nakMs, reason: 'no disposition' }, tally)),
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([nc.flush().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
