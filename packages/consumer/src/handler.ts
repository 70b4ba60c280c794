// The batch handler: validate each message, apply the batch through the store (one joined
// write per entity), log every event once with its outcome (the log row is the change-feed
// entry downstream reads), then report each message's verdict; the bus's settle.ts decides
// its fate. An undecodable message is terminal. Any store failure makes the batch
// retryable: every step is a join or idempotent, so a redelivery repeats it safely.
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { JsMsg } from '@nats-io/jetstream';
import { type BatchHandler, shardConsumerName, type Verdict } from '@wamesh/bus';
import { type Envelope, logEntryOf, type MessageEvent, type Outcome, type StatusEvent, type Winner } from '@wamesh/core';
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

export interface BatchHandlerDeps {
  store: StateStore;
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
  /** What the store says the event's commit left: its feed number and resulting document. */
  committed?: { seq?: number; doc: unknown };
}

export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const { store, logger, metrics, tracer } = deps;

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
    } catch (err) {
      deps.onStoreResult?.(false, err);
      const reason = `store failed: ${err instanceof Error ? err.message : String(err)}`;
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
      // First time this event id is in the log? Not for a re-sent or redelivered event, nor
      // for the second copy of an id in one batch.
      const logged = inserted.has(id) && !seen.has(id);
      seen.add(id);
      if (!logged) {
        item.outcome = 'duplicate';
        delete item.beatenBy;
      }
    }
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
