// The batch handler: validate each message, apply the batch through the store (one joined
// write per entity), log every event once with its outcome, publish inbound messages for
// downstream, then report each message's verdict; the bus's settle.ts decides its fate.
// An undecodable message is terminal. Any store or output failure makes the batch
// retryable: every step is a join or idempotent, so a redelivery repeats it safely.
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { JsMsg } from '@nats-io/jetstream';
import { type BatchHandler, HEADER_MSG_ID, shardConsumerName, type Verdict } from '@wamesh/bus';
import { type Envelope, logEntryOf, type MessageEvent, type Outcome, type StatusEvent, type WaEvent, type Winner } from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_WA_OUTCOME,
  eventAttributes,
  extractTraceContext,
  type Logger,
  MessagingOperation,
  messagingAttributes,
  recordInversion,
} from '@wamesh/telemetry';
import { decodeMessage } from './decode.ts';
import type { ConsumerMetrics } from './metrics.ts';
import type { OutputItem, OutputPublisher } from './outputs.ts';

export interface BatchHandlerDeps {
  store: StateStore;
  outputs: OutputPublisher;
  logger: Logger;
  metrics: ConsumerMetrics;
  tracer: Tracer;
  /** Told after every store call (health for /readyz). */
  onStoreResult?: (ok: boolean, err?: unknown) => void;
}

interface Item {
  index: number;
  msg: JsMsg;
  envelope: Envelope;
  span: Span;
  outcome?: Outcome;
  beatenBy?: Winner & { bySeconds: number };
  /** First time this event id is in the log (false: a re-sent or redelivered event). */
  logged?: boolean;
  /** What the store says the event's commit did (its outcome, feed number, resulting document). */
  committed?: { outcome: Outcome; beatenBy?: Winner; seq?: number; doc: unknown };
}

export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const { store, outputs, logger, metrics, tracer } = deps;

  return async (shard, batch) => {
    metrics.batchSize.observe(batch.length);
    const verdicts: Verdict[] = batch.map(() => ({ kind: 'ok' }));
    const items: Item[] = [];
    batch.forEach((msg, index) => {
      const decoded = decodeMessage(msg);
      if (!decoded.ok) {
        verdicts[index] = { kind: 'terminal', reason: decoded.reason };
        metrics.events.inc({ outcome: 'invalid', kind: kindOfSubject(msg.subject) });
        logger.warn({ shard, subject: msg.subject, seq: msg.info.streamSequence, reason: decoded.reason }, 'invalid event');
        return;
      }
      const span = startSpan(tracer, msg, decoded.envelope, shard, batch.length);
      items.push({ index, msg, envelope: decoded.envelope, span });
    });
    if (items.length === 0) return verdicts;

    try {
      await applyBatch(items);
      await publishOutputs(items, shard);
    } catch (err) {
      deps.onStoreResult?.(false, err);
      const reason = `store or output failed: ${err instanceof Error ? err.message : String(err)}`;
      for (const item of items) {
        verdicts[item.index] = { kind: 'retryable', reason };
        item.span.recordException(err instanceof Error ? err : new Error(String(err)));
        item.span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
        item.span.end();
      }
      logger.error({ err, shard, size: items.length }, 'batch not stored; retryable');
      return verdicts;
    }
    deps.onStoreResult?.(true);
    for (const item of items) finish(item, shard);
    return verdicts;
  };

  async function applyBatch(items: Item[]): Promise<void> {
    const statuses = items.filter((i) => i.envelope.event.kind === 'status');
    const messages = items.filter((i) => i.envelope.event.kind === 'msg');
    const [statusResults, messageResults] = await timed('apply', () =>
      Promise.all([
        statuses.length ? store.applyStatuses(statuses.map((i) => i.envelope as Envelope<StatusEvent>)) : [],
        messages.length ? store.applyMessages(messages.map((i) => i.envelope as Envelope<MessageEvent>)) : [],
      ]),
    );
    // The store reports each event's commit: this one's, or (an event redelivered after an
    // attempt that died before logging it) the earlier attempt's, with its feed number.
    const adopt = (item: Item, r: { outcome: Outcome; beatenBy?: Winner; seq?: number; doc: unknown }) => {
      item.outcome = r.outcome;
      item.committed = r;
      if (r.outcome === 'stale' && r.beatenBy) {
        item.beatenBy = { ...r.beatenBy, bySeconds: r.beatenBy.timestamp - item.envelope.event.timestamp };
      }
    };
    statuses.forEach((item, k) => {
      adopt(item, statusResults[k]!);
    });
    messages.forEach((item, k) => {
      adopt(item, messageResults[k]!);
    });

    // State first, log second: a crash in between leaves state (and its feed marks) that a
    // redelivery finds again, and the log then records the event once, as it was committed.
    // The log row is the change-feed entry: key, number, the event as sent, the document.
    const appliedAt = Date.now();
    const log = await timed('log', () =>
      store.appendLog(
        items.map((i) =>
          logEntryOf(
            i.envelope,
            { outcome: i.outcome ?? 'duplicate', beatenBy: i.beatenBy, seq: i.committed?.seq, document: i.committed?.doc },
            appliedAt,
          ),
        ),
      ),
    );
    const inserted = new Set(log.inserted);
    const seen = new Set<string>();
    for (const item of items) {
      const id = item.envelope.event.id;
      // The same id twice in one batch: only its first copy can be the logged one.
      item.logged = inserted.has(id) && !seen.has(id);
      seen.add(id);
      if (!item.logged) {
        item.outcome = 'duplicate';
        delete item.beatenBy;
      }
    }
  }

  async function publishOutputs(items: Item[], shard: number): Promise<void> {
    const out: OutputItem[] = [];
    for (const item of items) {
      if (item.envelope.event.kind !== 'msg') continue;
      let outcome: Outcome | undefined;
      let beatenBy = item.beatenBy;
      if (item.logged) {
        // Logged now, so never published before (outputs follow the log).
        outcome = item.outcome;
      } else if (ranBefore(item.msg, item.envelope.event.id) && item.committed?.seq !== undefined) {
        // Redelivered (or replayed from the DLQ) after its log entry was written: the earlier
        // attempt may have died before publishing. Publish again as committed; WAOUT's
        // duplicate window absorbs repeats.
        outcome = item.committed.outcome;
        beatenBy =
          item.committed.beatenBy && { ...item.committed.beatenBy, bySeconds: item.committed.beatenBy.timestamp - item.envelope.event.timestamp };
      }
      if (outcome === undefined || outcome === 'duplicate') continue;
      const o: OutputItem = {
        envelope: item.envelope as Envelope<MessageEvent>,
        outcome,
        shard,
        trace: trace.setSpan(context.active(), item.span),
      };
      if (beatenBy) o.beatenBy = beatenBy;
      out.push(o);
    }
    if (out.length === 0) return;
    const counts = await outputs.publish(out);
    if (counts.ordered) metrics.outputs.inc({ stream: 'ordered' }, counts.ordered);
    if (counts.late) metrics.outputs.inc({ stream: 'late' }, counts.late);
  }

  function finish(item: Item, shard: number): void {
    const { event, meta } = item.envelope;
    const outcome = item.outcome ?? 'duplicate';
    const { span } = item;
    span.setAttribute(ATTR_WA_OUTCOME, outcome);
    if (item.beatenBy) {
      recordInversion(span, item.beatenBy);
      metrics.inversionSeconds.observe({ kind: event.kind }, item.beatenBy.bySeconds);
    }
    metrics.events.inc({ outcome, kind: event.kind });
    const line: Record<string, unknown> = {
      shard,
      eventId: event.id,
      kind: event.kind,
      wamid: event.wamid,
      userKey: event.kind === 'msg' ? event.userKey : (event.recipientUserId ?? event.recipientId),
      timestamp: event.timestamp,
      eventRegion: meta.region,
      receivedAt: meta.receivedAt,
      deliveries: item.msg.info.deliveryCount,
      outcome,
    };
    if (event.kind === 'status') line.status = event.status;
    else line.type = event.type;
    if (item.beatenBy) {
      line.beatenBy = item.beatenBy.eventId;
      line.inversionSeconds = item.beatenBy.bySeconds;
    }
    // Inside the span, so the line carries its trace_id/span_id.
    context.with(trace.setSpan(context.active(), span), () => logger.info(line, `event ${outcome}`));
    span.end();
  }

  async function timed<T>(op: 'apply' | 'log', fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await fn();
      metrics.storeSeconds.observe({ op, result: 'ok' }, (performance.now() - started) / 1e3);
      return result;
    } catch (err) {
      metrics.storeSeconds.observe({ op, result: 'error' }, (performance.now() - started) / 1e3);
      throw err;
    }
  }
}

/**
 * An earlier attempt may have handled this event: a redelivery, or a `wamesh dlq replay`
 * copy (published under its own Nats-Msg-Id, so its delivery count starts again at 1).
 */
function ranBefore(msg: JsMsg, eventId: string): boolean {
  const msgId = msg.headers?.get(HEADER_MSG_ID);
  return msg.info.deliveryCount > 1 || (msgId !== undefined && msgId !== '' && msgId !== eventId);
}

function startSpan(tracer: Tracer, msg: JsMsg, envelope: Envelope, shard: number, batchSize: number): Span {
  const { event, meta } = envelope;
  return tracer.startSpan(
    `process ${msg.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingAttributes(MessagingOperation.process, 'process', msg.subject, event.id),
        [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(shard),
        [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: shardConsumerName(shard),
        [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: batchSize,
        ...eventAttributes(event, meta.region),
      },
    },
    // Child of the ingress producer span whose context came in the headers.
    extractTraceContext(msg.headers),
  );
}


function kindOfSubject(subject: string): string {
  const kind = subject.split('.')[2];
  return kind === 'msg' || kind === 'status' ? kind : 'unknown';
}
