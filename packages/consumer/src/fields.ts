// The region's field events (account_update, template status, quality, echoes, calls, …):
// pulled from the durable `fields` consumer by every replica (their feed numbers come from
// the store's compare-and-set, not from an owner), numbered in their business's feed and
// logged, then acked. Nothing is acked that was not logged; a failing batch is nak'd with
// the one retry policy's delay and comes back.
import { type Consumer, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { backoff, decodeMeta, FIELDS_CONSUMER, type RetryPolicy, sleep } from '@wamesh/bus';
import { type FieldEnvelope, fieldEventSchema, fieldLogEntryOf, streamNames } from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import type { Logger } from '@wamesh/telemetry';

export interface FieldsRunnerDeps {
  nc: NatsConnection;
  region: string;
  store: StateStore;
  logger: Logger;
  batchSize: number;
  maxWaitMs: number;
  /** Nak delay of a failed batch, and the wait before the loop tries again. */
  retry: RetryPolicy;
  /** Counted per field event handled: its outcome. */
  onOutcome?(outcome: string): void;
}

export interface FieldsRunner {
  start(): void;
  /** Ends the loop after the batch in hand is settled. */
  stop(): Promise<void>;
}

export function createFieldsRunner(deps: FieldsRunnerDeps): FieldsRunner {
  const { nc, region, store, logger } = deps;
  const wait = backoff(deps.retry);
  const abort = new AbortController();
  let loop: Promise<void> | undefined;

  async function settle(batch: JsMsg[]): Promise<void> {
    const envelopes: FieldEnvelope[] = [];
    const msgs: JsMsg[] = [];
    for (const msg of batch) {
      const envelope = decode(msg);
      if (typeof envelope === 'string') {
        // Our own ingress wrote it: a record that does not decode is a bug, kept in the stream for replay.
        logger.error({ seq: msg.info.streamSequence, subject: msg.subject, reason: envelope }, 'field event not decodable; terminated');
        msg.term(envelope);
        continue;
      }
      envelopes.push(envelope);
      msgs.push(msg);
    }
    if (envelopes.length === 0) return;
    try {
      const results = await store.applyFields(envelopes);
      const appliedAt = Date.now();
      await store.appendLog(envelopes.map((e, i) => fieldLogEntryOf(e, { ...results[i]!, document: results[i]!.doc }, appliedAt)));
      for (const [i, msg] of msgs.entries()) {
        msg.ack();
        deps.onOutcome?.(results[i]!.outcome);
      }
    } catch (err) {
      logger.error({ err, size: msgs.length }, 'field events not stored; nak for redelivery');
      for (const msg of msgs) msg.nak(wait(msg.info.deliveryCount));
    }
  }

  async function run(): Promise<void> {
    let consumer: Consumer | undefined;
    for (let failures = 0; !abort.signal.aborted; ) {
      try {
        consumer ??= await jetstream(nc).consumers.get(streamNames(region).fields, FIELDS_CONSUMER);
        const batch: JsMsg[] = [];
        const fetched = await consumer.fetch({ max_messages: deps.batchSize, expires: Math.max(1_000, deps.maxWaitMs) });
        for await (const msg of fetched) batch.push(msg);
        if (batch.length) await settle(batch);
        failures = 0;
      } catch (err) {
        // The consumer may not be provisioned yet (`wamesh provision` creates it), or NATS is away.
        failures++;
        consumer = undefined;
        if (!abort.signal.aborted) logger.warn({ err: String(err), failures }, 'field events: fetch failed; retrying');
        await sleep(wait(failures), abort.signal);
      }
    }
  }

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

function decode(msg: JsMsg): FieldEnvelope | string {
  let json: unknown;
  try {
    json = msg.json();
  } catch {
    return 'not JSON';
  }
  const parsed = fieldEventSchema.safeParse(json);
  if (!parsed.success) return `not a field event: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
  try {
    return { event: parsed.data, meta: decodeMeta(msg.headers) };
  } catch (err) {
    return (err as Error).message;
  }
}
