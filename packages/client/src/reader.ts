// The change feed for apps on the mesh, read from NATS: a durable JetStream consumer on the
// store's event-log stream holds the position, a handler gets each entry, and the entry is
// acked once the handler resolved. Entries of a key go one at a time in seq order
// (key-order.ts); a throwing handler gets the same entry again after a backoff while its key
// waits and other keys go on. Delivery is at least once: ids are stable across redeliveries.
import { type ConsumerMessages, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { backoff, millis, type NatsConnection } from '@nats-io/nats-core';
import type { FeedEntry } from './entry.ts';
import { DEFAULT_FEED_STREAM, DEFAULT_FEED_SUBJECT, ensureDurable } from './feed-consumer.ts';
import { decodeFeedRecord } from './feed-record.ts';
import { KeyOrder, type Slot } from './key-order.ts';
import { FeedReaderError } from './reader-error.ts';

export interface FeedReaderOptions {
  nc: NatsConnection;
  /** Name of the durable consumer: the reader's position; one running reader per name. */
  durable: string;
  /** Stream of the feed (default `KV_wamesh_events`, the KV store's event log). */
  stream?: string;
  /** Subject of the feed's rows in the stream (default `$KV.wamesh_events.e.>`). */
  subject?: string;
  /** Handlers running at once, each on another key (default 16). */
  concurrency?: number;
  /** How long an entry after a missing seq is held before it goes with `flags.gap` (default 5 s). */
  gapTimeoutMs?: number;
  /** The consumer's ack wait when the reader creates it (default 30 s); bounds the wait for a crashed run's entries. */
  ackWaitMs?: number;
  /** Entries held unacked at most (the consumer's max_ack_pending when the reader creates it; default 1000). */
  maxHeld?: number;
  /** Idle keys whose next seq the reader remembers (default 100 000); a forgotten key starts lazily again. */
  maxKeys?: number;
  /** Waits before handing a failed entry again, the last one repeating (default 0.25, 1, 5, 15, 30 s; jittered). */
  retryDelaysMs?: number[];
  /** Told of handler failures, undecodable records and unconfirmed acks (default: console.error). */
  onError?: (err: FeedReaderError) => void;
}

export interface HandlerContext {
  /** 1 the first time this entry is handed; counts redeliveries from earlier runs too. */
  attempt: number;
}

/** Handles one entry; resolving acks it, throwing hands it again later (its key waits meanwhile). */
export type FeedHandler = (entry: FeedEntry, ctx: HandlerContext) => Promise<void> | void;

export interface FeedReader {
  /** Hands entries to `handler` until `stop()`; rejects only when it cannot start (no stream, a foreign consumer). */
  run(handler: FeedHandler): Promise<void>;
  /** Stops reading, waits for the handlers running (their entries are acked), releases the rest to the next run. */
  stop(): Promise<void>;
}

export function createFeedReader(opts: FeedReaderOptions): FeedReader {
  let current: ReaderRun | undefined;
  return {
    async run(handler) {
      if (current) throw new Error(`feed reader ${opts.durable} is running already`);
      current = new ReaderRun(opts, handler);
      try {
        await current.run();
      } finally {
        current = undefined;
      }
    },
    async stop() {
      await current?.stop();
    },
  };
}

/** Entries a crashed run left unacked: JetStream redelivers them only after their ack wait. */
interface Recovery {
  upTo: number;
  left: number;
  seen: Set<number>;
  /** Newer records, kept back until the older ones are in: a key must start at its oldest. */
  parked: JsMsg[];
  timer: NodeJS.Timeout;
}

/**
 * Pull requests expire this soon. nats-server 2.9 serves a redelivery to a pull request left
 * behind by a stopped reader until the request expires, so entries released at stop are
 * released for after that (and the next run waits no longer than that for them).
 */
const PULL_EXPIRES_MS = 2_000;
const RELEASE_DELAY_MS = PULL_EXPIRES_MS + 500;

/** A progress ack or nak on a closed connection throws; the entry is then left to its ack wait, as after a crash. */
function quietly(signal: () => void): void {
  try {
    signal();
  } catch {}
}

const defaultOnError = (err: FeedReaderError) => console.error(`${err.name} ${err.code}: ${err.message}`, err.cause ?? '');

class ReaderRun {
  private readonly opts: FeedReaderOptions;
  private readonly handler: FeedHandler;
  private readonly order: KeyOrder<JsMsg>;
  private readonly retryWait;
  private readonly ready: Slot<JsMsg>[] = [];
  private readonly attempts = new Map<Slot<JsMsg>, number>();
  private readonly retries = new Map<Slot<JsMsg>, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private messages: ConsumerMessages | undefined;
  private recovery: Recovery | undefined;
  private stopping = false;
  private done: Promise<void> = Promise.resolve();

  constructor(opts: FeedReaderOptions, handler: FeedHandler) {
    this.opts = opts;
    this.handler = handler;
    this.retryWait = backoff(opts.retryDelaysMs ?? [250, 1_000, 5_000, 15_000, 30_000]);
    this.order = new KeyOrder<JsMsg>({
      gapTimeoutMs: opts.gapTimeoutMs ?? 5_000,
      maxKeys: opts.maxKeys ?? 100_000,
      hand: (slot) => {
        this.ready.push(slot);
        this.pump();
      },
    });
  }

  async run(): Promise<void> {
    let finished!: () => void;
    this.done = new Promise((r) => {
      finished = r;
    });
    const { nc, durable } = this.opts;
    const stream = this.opts.stream ?? DEFAULT_FEED_STREAM;
    let keepAlive: NodeJS.Timeout | undefined;
    try {
      const spec = { stream, durable, subject: this.opts.subject ?? DEFAULT_FEED_SUBJECT, ackWaitMs: this.opts.ackWaitMs ?? 30_000, maxHeld: this.opts.maxHeld ?? 1_000 };
      const info = await ensureDurable(await jetstreamManager(nc), spec);
      const ackWaitMs = millis(info.config.ack_wait ?? 0) || spec.ackWaitMs;
      if (info.num_ack_pending > 0) this.recover(info.delivered.stream_seq, info.num_ack_pending, ackWaitMs);
      const consumer = await jetstream(nc).consumers.get(stream, durable);
      this.messages = await consumer.consume({ max_messages: Math.min(info.config.max_ack_pending ?? spec.maxHeld, 256), expires: PULL_EXPIRES_MS });
      if (this.stopping) this.messages.stop();
      // Held entries wait on other entries of their key: keep JetStream from redelivering them meanwhile.
      keepAlive = setInterval(() => this.keepAlive(), Math.max(500, ackWaitMs / 3));
      for await (const m of this.messages) this.arrived(m);
    } finally {
      clearInterval(keepAlive);
      await this.release();
      finished();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    await this.done;
  }

  private recover(upTo: number, left: number, ackWaitMs: number): void {
    const timer = setTimeout(() => this.endRecovery(), ackWaitMs + 1_000);
    this.recovery = { upTo, left, seen: new Set(), parked: [], timer };
  }

  private endRecovery(): void {
    const r = this.recovery;
    if (!r) return;
    clearTimeout(r.timer);
    this.recovery = undefined;
    for (const m of r.parked) this.take(m);
  }

  private arrived(m: JsMsg): void {
    const r = this.recovery;
    if (r && m.seq > r.upTo) {
      r.parked.push(m);
      return;
    }
    this.take(m);
    if (r) {
      r.seen.add(m.seq);
      if (r.seen.size >= r.left) this.endRecovery();
    }
  }

  private take(m: JsMsg): void {
    const rec = decodeFeedRecord(m.data);
    if ('entry' in rec) {
      this.order.add(rec.entry, m);
      return;
    }
    m.ack();
    if ('invalid' in rec) this.report(new FeedReaderError('E_FEED_RECORD', `record ${m.seq} passed over: ${rec.invalid}`, { streamSeq: m.seq }));
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 16;
    while (!this.stopping && this.running.size < limit && this.ready.length > 0) {
      const p: Promise<void> = this.attempt(this.ready.shift()!).finally(() => {
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  private async attempt(slot: Slot<JsMsg>): Promise<void> {
    const n = (this.attempts.get(slot) ?? 0) + 1;
    this.attempts.set(slot, n);
    const { entry } = slot;
    try {
      await this.handler(entry, { attempt: n + slot.ref.info.deliveryCount - 1 });
    } catch (err) {
      this.report(new FeedReaderError('E_FEED_HANDLER', `handler failed on ${entry.key} seq ${entry.seq} (entry ${entry.id}, attempt ${n})`, { cause: err, entry }));
      if (this.stopping) return;
      const retry = setTimeout(() => {
        this.retries.delete(slot);
        this.ready.unshift(slot);
        this.pump();
      }, this.retryWait.backoff(n - 1));
      this.retries.set(slot, retry);
      return;
    }
    // The key moves on once the server confirmed: an ack lost unconfirmed would bring the entry back behind later ones.
    try {
      await slot.ref.ackAck();
    } catch (err) {
      this.report(new FeedReaderError('E_FEED_ACK', `ack of ${entry.key} seq ${entry.seq} (entry ${entry.id}) not confirmed`, { cause: err, entry }));
    }
    this.attempts.delete(slot);
    this.order.done(slot);
  }

  private keepAlive(): void {
    for (const s of this.order.slots()) quietly(() => s.ref.working());
    for (const m of this.recovery?.parked ?? []) quietly(() => m.working());
  }

  /** After the last handler settled: what was not acked goes back to the consumer at once, for the next run. */
  private async release(): Promise<void> {
    this.stopping = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    for (const t of this.retries.values()) clearTimeout(t);
    this.order.close();
    for (const s of this.order.slots()) quietly(() => s.ref.nak(RELEASE_DELAY_MS));
    if (this.recovery) {
      clearTimeout(this.recovery.timer);
      for (const m of this.recovery.parked) quietly(() => m.nak(RELEASE_DELAY_MS));
    }
  }

  private report(err: FeedReaderError): void {
    (this.opts.onError ?? defaultOnError)(err);
  }
}
