// Durable publish of a batch of events: every event goes out at once, and publish()
// resolves only when JetStream acknowledged all of them. Anything that keeps an ack from
// arriving within the timeout becomes a PublishUnavailableError (the ingress answers 503).
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  createInbox,
  DrainingConnectionError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import { type Envelope, subjectOf, type WaEvent } from '@wamesh/core';
import { BusError, PublishFailedError, PublishUnavailableError, type UnavailableReason } from './errors.ts';
import { encodeMeta, HEADER_MSG_ID } from './headers.ts';
import type { OutRecord, Publisher, PublishReport } from './types.ts';

export interface PublisherOptions {
  /** Budget for the whole batch, waiting for a reconnect included (PUBLISH_TIMEOUT_MS). */
  timeoutMs: number;
  /**
   * While the connection is known to be down, a publish waits this long for a reconnect (a
   * blip) before it fails, instead of the whole timeout: callers answer 503 promptly rather
   * than pile up. Default 1000 ms, never more than timeoutMs.
   */
  disconnectedGraceMs?: number;
}

export function createPublisher(nc: NatsConnection, opts: PublisherOptions): Publisher {
  const { timeoutMs } = opts;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const graceMs = Math.min(opts.disconnectedGraceMs ?? 1_000, timeoutMs);
  const link = watchLink(nc);
  const acks = pubAcks(nc);

  async function send(records: OutRecord[]): Promise<PublishReport> {
    if (records.length === 0) return { published: 0, duplicates: 0 };
    const deadline = Date.now() + timeoutMs;
    if (nc.isClosed()) throw unavailable('closed', 'the NATS connection is closed');
    if (!link.up && !(await link.waitUp(graceMs))) {
      throw unavailable('disconnected', `NATS is disconnected and did not reconnect within ${graceMs} ms`);
    }
    const timeout = Math.max(1, deadline - Date.now());
    const settled = await link.guard(acks.publish(records, timeout));
    let published = 0;
    let duplicates = 0;
    let failure: unknown;
    for (const a of settled) {
      if (a instanceof Error) failure ??= a;
      else if (a.duplicate) duplicates++;
      else published++;
    }
    if (failure !== undefined) throw classifyPublishError(failure, records.length - published - duplicates, records.length);
    return { published, duplicates };
  }

  return {
    publish(batch: Envelope<WaEvent>[]): Promise<PublishReport> {
      // Subjects first: a bad envelope must fail the batch before anything is sent.
      const subjects = batch.map(({ event, meta }) => subjectOf(meta.region, event.kind, event.shard));
      return send(
        batch.map(({ event, meta }, i) => ({
          subject: subjects[i]!,
          data: JSON.stringify(event),
          msgId: event.id,
          headers: encodeMeta(meta),
        })),
      );
    },
    publishRecords: send,
  };
}

interface PubAck {
  stream: string;
  seq: number;
  duplicate?: boolean;
}
type AckOrError = PubAck | Error;

/**
 * JetStream publishes with their PubAcks collected on one wildcard inbox subscription: a
 * token per message in the reply subject, one timer per batch. nats.js's request() per
 * event costs a timer, a mux entry and an Error (its "cancelled" rejection) for each.
 * Errors are the ones js.publish would throw, so classifyPublishError reads them the same.
 */
function pubAcks(nc: NatsConnection) {
  // The connection's inbox prefix, like nats.js's own request inboxes (subscribe permissions).
  const prefix = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  const waiting = new Map<string, (result: AckOrError) => void>();
  let seq = 0;
  nc.subscribe(`${prefix}.*`, {
    callback: (err, msg) => {
      if (err) return;
      const settle = waiting.get(msg.subject);
      if (settle) {
        waiting.delete(msg.subject);
        settle(ackOf(msg));
      }
    },
  });

  return {
    /** One result per message, in order: its PubAck or the error js.publish would throw. */
    publish(messages: OutRecord[], timeoutMs: number) {
      return new Promise<AckOrError[]>((resolve) => {
        const results: AckOrError[] = new Array(messages.length);
        const replies: string[] = [];
        let open = messages.length;
        const timer = setTimeout(() => {
          for (let i = 0; i < replies.length; i++) {
            const settle = waiting.get(replies[i]!);
            if (settle) {
              waiting.delete(replies[i]!);
              settle(new TimeoutError());
            }
          }
        }, timeoutMs);
        for (let i = 0; i < messages.length; i++) {
          const m = messages[i]!;
          const reply = `${prefix}.${(++seq).toString(36)}`;
          replies.push(reply);
          waiting.set(reply, (r) => {
            results[i] = r;
            if (--open === 0) {
              clearTimeout(timer);
              resolve(results);
            }
          });
          try {
            const headers: MsgHdrs = m.headers;
            headers.set(HEADER_MSG_ID, m.msgId);
            nc.publish(m.subject, m.data, { reply, headers });
          } catch (e) {
            waiting.get(reply)?.(e instanceof Error ? e : new Error(String(e)));
            waiting.delete(reply);
          }
        }
      });
    },
  };
}

function ackOf(msg: Msg): AckOrError {
  // No stream listens on the subject: the server answers with a 503 status instead of an ack.
  if (msg.headers?.hasError && msg.headers.code === 503) return new JetStreamNotEnabledError();
  if (msg.data.length === 0) return new JetStreamError('invalid ack response');
  try {
    const v = msg.json<PubAck & { error?: ConstructorParameters<typeof JetStreamApiError>[0] }>();
    if (v.error) return new JetStreamApiError(v.error);
    if (!v.stream) return new JetStreamError('invalid ack response');
    return v;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** No stream listens on the subject (a 503 status instead of an ack): no_responders. */
class JetStreamNotEnabledError extends Error {
  override name = 'JetStreamNotEnabledError';
  constructor() {
    super('jetstream is not enabled');
  }
}

/**
 * Connection state from status events. nats.js drops what it buffered while disconnected,
 * so in-flight publishes are failed at once on a disconnect instead of waiting out the
 * timeout, and new ones wait for the reconnect (within their budget).
 */
function watchLink(nc: NatsConnection) {
  let up = !nc.isClosed();
  const inflight = new Set<(err: Error) => void>();
  const waiters = new Set<() => void>();
  const down = (reason: UnavailableReason, message: string) => {
    up = false;
    const err = unavailable(reason, message);
    for (const fail of inflight) fail(err);
    inflight.clear();
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') down('disconnected', `NATS connection to ${s.server} lost before the ack`);
      else if (s.type === 'reconnect') {
        up = true;
        for (const wake of waiters) wake();
        waiters.clear();
      }
    }
  })();
  nc.closed().then(() => {
    down('closed', 'the NATS connection closed before the ack');
    for (const wake of waiters) wake();
  });

  return {
    get up() {
      return up;
    },
    /** Resolves true once reconnected, false when the wait is over or the connection closed. */
    waitUp(ms: number): Promise<boolean> {
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(up);
        };
        const timer = setTimeout(wake, ms);
        waiters.add(wake);
      });
    },
    guard<T>(p: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        inflight.add(reject);
        p.then(resolve, reject).finally(() => inflight.delete(reject));
      });
    },
  };
}

// JetStream API error codes that mean "out of room or not able to store right now".
const STORAGE_CODES = new Set([
  10002, // account resources exceeded
  10023, // insufficient resources
  10028, // memory resources exceeded
  10047, // storage resources exceeded
  10077, // store failed: maximum messages/bytes exceeded with discard new
]);

/** Maps what nats.js threw to PublishUnavailableError (retry later) or PublishFailedError. */
export function classifyPublishError(err: unknown, failed = 1, total = 1): BusError {
  if (err instanceof BusError) return err;
  const what = `${failed} of ${total} events not acknowledged`;
  const msg = err instanceof Error ? err.message : String(err);
  const opts = { cause: err };
  if (err instanceof TimeoutError) return new PublishUnavailableError('timeout', `${what}: JetStream ack timed out`, opts);
  if (err instanceof NoRespondersError || err instanceof JetStreamNotEnabledError) {
    return new PublishUnavailableError('no_responders', `${what}: no JetStream stream answered (${msg})`, opts);
  }
  if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) {
    return new PublishUnavailableError('closed', `${what}: ${msg}`, opts);
  }
  if (err instanceof RequestError) {
    if (err.isNoResponders()) return new PublishUnavailableError('no_responders', `${what}: no JetStream stream answered`, opts);
    return new PublishUnavailableError('disconnected', `${what}: ${msg}`, opts);
  }
  if (err instanceof JetStreamApiError) {
    if (STORAGE_CODES.has(err.code)) return new PublishUnavailableError('storage', `${what}: JetStream cannot store (${msg})`, opts);
    if (err.status === 503) {
      return new PublishUnavailableError('jetstream_unavailable', `${what}: JetStream unavailable (${msg})`, opts);
    }
    return new PublishFailedError(`${what}: JetStream refused (${msg}, code ${err.code})`, opts);
  }
  return new PublishFailedError(`${what}: ${msg}`, opts);
}

const unavailable = (reason: UnavailableReason, message: string) => new PublishUnavailableError(reason, message);
