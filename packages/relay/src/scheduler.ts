// Per-key FIFO delivery to one endpoint: one attempt in flight per key, a key's entries in
// the order they were pushed (commit order), many keys in parallel up to `concurrency`.
// A key waiting for a retry, its hold window or an operator holds no slot, so it never
// delays other keys. Retries wait on the bus's `backoff` (the one retry policy); the endpoint's
// Retry-After wins when it gave one.
import { type Backoff, backoff } from '@wamesh/bus';
import type { FeedEntry } from '@wamesh/client';
import type { AttemptOutcome } from './attempt.ts';
import type { Circuit } from './circuit.ts';

export interface Item {
  /** Feed position of the entry's record. */
  cursor: number;
  entry: FeedEntry;
  attempts: number;
  firstAttemptAt?: number;
  lastAttemptAt?: number;
  /** The last attempt's outcome (its status or error is what a delivery record keeps). */
  lastOutcome?: AttemptOutcome;
  /** Not attempted before this time (epoch ms): a retry's delay or the hold window. */
  notBefore: number;
  /** Why it is bound for the dead letters (set once it failed for good; the copy may still be pending). */
  dead?: string;
}

export type Finish = 'delivered' | 'dead-lettered' | 'skipped';

export interface SchedulerOptions {
  concurrency: number;
  holdMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  onDeadLetter: 'block' | 'skip';
  circuit: Circuit;
  attempt(item: Item): Promise<AttemptOutcome>;
  /** Stores the dead letter; a rejection is retried later with backoff. */
  deadLetter(item: Item, reason: string): Promise<void>;
  /** The entry is done with: the cursor may pass its record. */
  finished(item: Item, how: Finish): void;
  /** An attempt's outcome (metrics, logs). */
  attempted?(item: Item, outcome: AttemptOutcome): void;
  /** A key stopped behind a dead letter until an operator acts. */
  blocked?(item: Item, reason: string): void;
}

interface KeyState {
  key: string;
  queue: Item[];
  /** An attempt or a dead-letter copy is in flight. */
  busy: boolean;
  /** The head is dead-lettered; the key waits for skip or replay. */
  blocked?: string;
  timer?: NodeJS.Timeout;
}

export class KeyScheduler {
  private readonly keys = new Map<string, KeyState>();
  /** Keys whose head may go now, oldest first. */
  private readonly ready = new Set<KeyState>();
  private inFlight = 0;
  private busy = 0;
  private closed = false;
  private circuitTimer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  private readonly opts: SchedulerOptions;
  private readonly retryWait: Backoff;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.retryWait = backoff({ initialMs: opts.retryInitialMs, maxMs: opts.retryMaxMs });
  }

  push(cursor: number, entry: FeedEntry): void {
    let k = this.keys.get(entry.key);
    if (!k) {
      k = { key: entry.key, queue: [], busy: false };
      this.keys.set(entry.key, k);
    }
    const now = Date.now();
    const { holdMs } = this.opts;
    const item: Item = { cursor, entry, attempts: 0, notBefore: 0 };
    if (holdMs > 0 && entry.kind === 'message.received') item.notBefore = entry.committedAt + holdMs;
    if (holdMs > 0 && entry.kind === 'message.late' && this.reorder(k, item, now)) return;
    k.queue.push(item);
    this.consider(k, now);
    this.pump();
  }

  /**
   * Hold window: a late message older (WhatsApp time) than a held received one of its key,
   * committed within that one's window, goes before it, flagged `reordered`, and waits
   * out the same window (so a still older one can go before both).
   */
  private reorder(k: KeyState, item: Item, now: number): boolean {
    const t = item.entry.whatsappTime;
    if (t === undefined) return false;
    const i = k.queue.findIndex(
      (h) =>
        h.attempts === 0 &&
        !h.dead &&
        h.entry.kind === 'message.received' &&
        h.notBefore > now &&
        (h.entry.whatsappTime ?? Number.NEGATIVE_INFINITY) > t &&
        item.entry.committedAt - h.entry.committedAt <= this.opts.holdMs,
    );
    if (i < 0) return false;
    // In WhatsApp order now, so no longer late: `reordered` says it was committed after the one it precedes.
    const { late: _late, ...flags } = item.entry.flags ?? {};
    item.entry = { ...item.entry, kind: 'message.received', flags: { ...flags, reordered: true } };
    item.notBefore = k.queue[i]!.notBefore;
    k.queue.splice(i, 0, item);
    this.consider(k, now);
    return true;
  }

  /** Puts the key in `ready` if its head may go now, else arms a timer for when it may. */
  private consider(k: KeyState, now: number): void {
    clearTimeout(k.timer);
    k.timer = undefined;
    const head = k.queue[0];
    if (!head) {
      this.ready.delete(k);
      if (!k.busy) this.keys.delete(k.key);
      return;
    }
    if (k.busy || k.blocked) {
      this.ready.delete(k);
      return;
    }
    if (head.notBefore > now) {
      this.ready.delete(k);
      if (!this.closed) {
        k.timer = setTimeout(() => {
          this.consider(k, Date.now());
          this.pump();
        }, head.notBefore - now);
      }
      return;
    }
    this.ready.add(k);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.opts.concurrency && this.ready.size > 0) {
      const now = Date.now();
      const until = this.opts.circuit.blockedUntil(now);
      if (until > 0) {
        // Open: nothing goes out; a timer wakes the probe (a probe in flight wakes us when it settles).
        if (Number.isFinite(until) && !this.circuitTimer) {
          this.circuitTimer = setTimeout(() => {
            this.circuitTimer = undefined;
            this.pump();
          }, until - now);
        }
        return;
      }
      const k = this.ready.values().next().value!;
      this.ready.delete(k);
      const item = k.queue[0]!;
      if (item.dead) this.copyToDeadLetters(k, item, item.dead);
      else this.send(k, item, now);
    }
  }

  private send(k: KeyState, item: Item, now: number): void {
    k.busy = true;
    this.inFlight++;
    this.busy++;
    item.attempts++;
    item.firstAttemptAt ??= now;
    item.lastAttemptAt = now;
    this.opts.circuit.begin();
    this.opts
      .attempt(item)
      .catch((err): AttemptOutcome => ({ result: 'retry', reason: `attempt failed: ${String(err)}` }))
      .then((outcome) => {
        this.inFlight--;
        k.busy = false;
        this.settle(k, item, outcome);
        this.done();
      });
  }

  private settle(k: KeyState, item: Item, outcome: AttemptOutcome): void {
    const now = Date.now();
    item.lastOutcome = outcome;
    this.opts.attempted?.(item, outcome);
    if (outcome.result === 'ok') {
      this.opts.circuit.success();
      k.queue.shift();
      this.opts.finished(item, 'delivered');
    } else if (outcome.result === 'final') {
      // The endpoint answered: it is up, the entry is what it refuses.
      this.opts.circuit.success();
      item.dead = outcome.reason;
    } else {
      this.opts.circuit.failure(now);
      const { maxAttempts, maxAgeMs } = this.opts;
      if (item.attempts >= maxAttempts) item.dead = `${outcome.reason} after ${item.attempts} attempts`;
      else if (now - item.firstAttemptAt! >= maxAgeMs) item.dead = `${outcome.reason}; failing for ${now - item.firstAttemptAt!} ms`;
      else item.notBefore = now + (outcome.retryAfterMs ?? this.retryWait(item.attempts));
    }
    if (item.dead && !this.closed) this.copyToDeadLetters(k, item, item.dead);
    else this.consider(k, now);
    this.pump();
  }

  private copyToDeadLetters(k: KeyState, item: Item, reason: string): void {
    k.busy = true;
    this.busy++;
    this.opts.deadLetter(item, reason).then(
      () => {
        k.busy = false;
        if (this.opts.onDeadLetter === 'skip') {
          k.queue.shift();
          this.opts.finished(item, 'dead-lettered');
        } else {
          k.blocked = reason;
          this.opts.blocked?.(item, reason);
        }
        this.consider(k, Date.now());
        this.pump();
        this.done();
      },
      () => {
        k.busy = false;
        item.notBefore = Date.now() + this.retryWait(item.attempts);
        this.consider(k, Date.now());
        this.pump();
        this.done();
      },
    );
  }

  private done(): void {
    this.busy--;
    if (this.busy === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** An operator's decision on a blocked key's dead letter: skip it, or deliver it again. */
  resolve(entryId: string, decision: 'skip' | 'replay'): boolean {
    for (const k of this.keys.values()) {
      const head = k.queue[0];
      if (!k.blocked || head?.entry.id !== entryId) continue;
      k.blocked = undefined;
      if (decision === 'skip') {
        k.queue.shift();
        this.opts.finished(head, 'skipped');
      } else {
        Object.assign(head, { attempts: 0, firstAttemptAt: undefined, lastAttemptAt: undefined, lastOutcome: undefined, dead: undefined, notBefore: 0 });
      }
      this.consider(k, Date.now());
      this.pump();
      return true;
    }
    return false;
  }

  /** Heads of blocked keys. */
  blockedItems(): Item[] {
    return [...this.keys.values()].filter((k) => k.blocked).map((k) => k.queue[0]!);
  }

  /** Entries not yet finished, and the oldest commit time among the heads. */
  backlog(): { entries: number; oldestCommittedAt?: number } {
    let entries = 0;
    let oldest: number | undefined;
    for (const k of this.keys.values()) {
      entries += k.queue.length;
      const t = k.queue[0]?.entry.committedAt;
      if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
    }
    return oldest === undefined ? { entries } : { entries, oldestCommittedAt: oldest };
  }

  /** Stops sending; resolves once every attempt and dead-letter copy in flight has settled. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.circuitTimer);
    for (const k of this.keys.values()) clearTimeout(k.timer);
    if (this.busy > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
