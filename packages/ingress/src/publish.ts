// Durable store of one request: a PRODUCER span per event, its W3C context in the event's
// meta (the bus writes meta as NATS headers), the field events to their stream and the
// body to quarantine when a part was rejected, all publishes concurrent. The bus publisher
// bounds each publish by PUBLISH_TIMEOUT_MS, reconnect wait included.
import { fieldRecordOf, type Publisher, type PublishReport, PublishUnavailableError, quarantineRecordOf } from '@wamesh/bus';
import { type EventKind, type EventMeta, type Split, subjectOf, type WaEvent } from '@wamesh/core';
import { type Context, SpanStatusCode, startPublishSpan, trace, traceHeadersOf } from '@wamesh/telemetry';
import { IngressError } from './errors.ts';

export interface StoreOutcome {
  /** Events stored now. */
  published: number;
  /** Events JetStream already had (a retried webhook): stored once, still a success. */
  duplicates: number;
  byKind: Record<EventKind, { published: number; duplicates: number }>;
}

export interface EventPublisher {
  /**
   * Resolves once every event, field event and (when a part was rejected) the quarantined
   * body is stored (PubAck); rejects with an IngressError otherwise.
   */
  store(parts: Split, raw: Uint8Array, receivedAt: number, parent: Context): Promise<StoreOutcome>;
}

export interface EventPublisherOptions {
  region: string;
  shards: number;
  publisher: Publisher;
  /** Seconds in Retry-After when JetStream cannot take the events. */
  retryAfterSeconds?: number;
}

export function createEventPublisher(opts: EventPublisherOptions): EventPublisher {
  const { region, publisher } = opts;
  const retryAfter = opts.retryAfterSeconds ?? 2;
  // Span destinations computed once, not per event.
  const subjects: Record<EventKind, string[]> = { msg: [], status: [] };
  for (let shard = 0; shard < opts.shards; shard++) {
    subjects.msg.push(subjectOf(region, 'msg', shard));
    subjects.status.push(subjectOf(region, 'status', shard));
  }

  function publishOne(event: WaEvent, receivedAt: number, parent: Context): Promise<PublishReport> {
    const subject = subjects[event.kind][event.shard] ?? subjectOf(region, event.kind, event.shard);
    const span = startPublishSpan(event, subject, { region }, parent);
    const meta = { region, receivedAt, ...traceHeadersOf(span) };
    return publisher.publish([{ event, meta }]).then(
      (report) => {
        if (report.duplicates > 0) span.setAttribute('messaging.nats.duplicate', true);
        span.end();
        return report;
      },
      (err: unknown) => {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(err) });
        span.end();
        throw err;
      },
    );
  }

  // Publishes of every request that arrived in this event-loop turn go out together in
  // the check phase: nats.js then flushes them in one socket write instead of one each.
  let turn: Promise<void> | undefined;
  const nextTurn = (): Promise<void> =>
    (turn ??= new Promise((resolve) =>
      setImmediate(() => {
        turn = undefined;
        resolve();
      }),
    ));

  /** Field events and the quarantined body carry the request's trace context, not a span of their own. */
  function publishRest(parts: Split, raw: Uint8Array, receivedAt: number, parent: Context): Promise<unknown> {
    // Most webhooks are messages and statuses only: nothing more to publish, no promise.
    if (parts.fields.length === 0 && parts.rejected.length === 0) return Promise.resolve();
    const span = trace.getSpan(parent);
    const meta: EventMeta = { region, receivedAt, ...(span ? traceHeadersOf(span) : {}) };
    const records = parts.fields.map((f) => fieldRecordOf(f, meta));
    if (parts.rejected.length > 0) records.push(quarantineRecordOf(raw, parts.rejected, meta));
    return publisher.publishRecords(records);
  }

  return {
    async store(parts, raw, receivedAt, parent) {
      const { events } = parts;
      await nextTurn();
      let reports: PublishReport[];
      try {
        [, ...reports] = await Promise.all([
          publishRest(parts, raw, receivedAt, parent),
          ...events.map((e) => publishOne(e, receivedAt, parent)),
        ]);
      } catch (err) {
        if (err instanceof PublishUnavailableError) {
          throw new IngressError('PUBLISH_UNAVAILABLE', err.reason, { cause: err, retryAfter });
        }
        throw new IngressError('PUBLISH_FAILED', undefined, { cause: err });
      }
      const outcome: StoreOutcome = {
        published: 0,
        duplicates: 0,
        byKind: { msg: { published: 0, duplicates: 0 }, status: { published: 0, duplicates: 0 } },
      };
      for (let i = 0; i < reports.length; i++) {
        const r = reports[i]!;
        const kind = outcome.byKind[events[i]!.kind];
        outcome.published += r.published;
        outcome.duplicates += r.duplicates;
        kind.published += r.published;
        kind.duplicates += r.duplicates;
      }
      return outcome;
    },
  };
}

function errorName(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  return [e?.name, e?.code].filter((x) => typeof x === 'string').join(' ') || 'publish failed';
}
