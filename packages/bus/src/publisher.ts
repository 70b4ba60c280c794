// Durable publish of a batch of events: every event goes out at once, and publish()
// resolves only when JetStream acknowledged all of them. Anything that keeps an ack from
// arriving within the timeout becomes a PublishUnavailableError (the ingress answers 503).
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Envelope, subjectOf, type WaEvent } from '@wamesh/core';
import { BusError, PublishFailedError, PublishUnavailableError, type UnavailableReason } from './errors.ts';
import { encodeMeta } from './headers.ts';
import type { Publisher, PublishReport } from './types.ts';

export interface PublisherOptions {
  /** Budget for the whole batch, waiting for a reconnect included (PUBLISH_TIMEOUT_MS). */
  timeoutMs: number;
}

export function createPublisher(nc: NatsConnection, opts: PublisherOptions): Publisher {
  const { timeoutMs } = opts;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const js: JetStreamClient = jetstream(nc);
  const link = watchLink(nc);

  return {
    async publish(batch: Envelope<WaEvent>[]): Promise<PublishReport> {
      if (batch.length === 0) return { published: 0, duplicates: 0 };
      const deadline = Date.now() + timeoutMs;
      // Subjects first: a bad envelope must fail the batch before anything is sent.
      const subjects = batch.map(({ event, meta }) => subjectOf(meta.region, event.kind, event.shard));
      if (nc.isClosed()) throw unavailable('closed', 'the NATS connection is closed');
      if (!link.up && !(await link.waitUp(timeoutMs))) {
        throw unavailable('disconnected', `NATS did not reconnect within ${timeoutMs} ms`);
      }
      const timeout = Math.max(1, deadline - Date.now());
      const acks = await Promise.allSettled(
        batch.map(({ event, meta }, i) =>
          link.guard(
            js.publish(subjects[i]!, JSON.stringify(event), {
              msgID: event.id,
              headers: encodeMeta(meta),
              timeout,
            }),
          ),
        ),
      );
      let published = 0;
      let duplicates = 0;
      let failure: unknown;
      for (const a of acks) {
        if (a.status === 'rejected') failure ??= a.reason;
        else if (a.value.duplicate) duplicates++;
        else published++;
      }
      if (failure !== undefined) throw classifyPublishError(failure, batch.length - published - duplicates, batch.length);
      return { published, duplicates };
    },
  };
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
  const e = err as { name?: string; message?: string; code?: unknown; status?: unknown; isNoResponders?: () => boolean };
  const what = `${failed} of ${total} events not acknowledged`;
  const msg = e?.message ?? String(err);
  const opts = { cause: err };
  switch (e?.name) {
    case 'TimeoutError':
      return new PublishUnavailableError('timeout', `${what}: JetStream ack timed out`, opts);
    case 'NoRespondersError':
    case 'JetStreamNotEnabled':
      return new PublishUnavailableError('no_responders', `${what}: no JetStream stream answered (${msg})`, opts);
    case 'ClosedConnectionError':
    case 'DrainingConnectionError':
      return new PublishUnavailableError('closed', `${what}: ${msg}`, opts);
    case 'RequestError':
      if (e.isNoResponders?.()) {
        return new PublishUnavailableError('no_responders', `${what}: no JetStream stream answered`, opts);
      }
      return new PublishUnavailableError('disconnected', `${what}: ${msg}`, opts);
    case 'JetStreamApiError':
      if (typeof e.code === 'number' && STORAGE_CODES.has(e.code)) {
        return new PublishUnavailableError('storage', `${what}: JetStream cannot store (${msg})`, opts);
      }
      if (e.status === 503) {
        return new PublishUnavailableError('jetstream_unavailable', `${what}: JetStream unavailable (${msg})`, opts);
      }
      return new PublishFailedError(`${what}: JetStream refused (${msg}, code ${String(e.code)})`, opts);
  }
  return new PublishFailedError(`${what}: ${msg}`, opts);
}

const unavailable = (reason: UnavailableReason, message: string) => new PublishUnavailableError(reason, message);
