// Per-key order of the feed for a reader: a key's entries go out in seq order, one at a time
// (the next only after the previous is done), while other keys go on. Rows reach the stream
// in commit order except a row repaired after a consumer crash, which lands after later rows
// of its key: an entry that comes with seq > the next expected is held until the missing one
// arrives, or until `gapTimeoutMs` passes with it next in line (then it goes with `gap`).
// What comes next is learned lazily: a key's first entry seen starts it, since a reader keeps
// no state of its own between runs (its position is the durable consumer's).
import type { FeedEntry } from './entry.ts';

/** An entry with the handle it acks through; a redelivery of the same entry replaces `ref`. */
export interface Slot<T> {
  entry: FeedEntry;
  ref: T;
}

export interface KeyOrderOptions<T> {
  /** How long an entry is held waiting for a missing seq before it goes with `flags.gap`. */
  gapTimeoutMs: number;
  /** Idle keys remembered beyond this many are forgotten (oldest first) and start lazily again. */
  maxKeys: number;
  /** The slot may go now (its key has nothing else out until `done`). */
  hand(slot: Slot<T>): void;
}

interface KeyState<T> {
  /** The seq to hand next; unknown until the key's first entry is seen. */
  next?: number;
  held: Map<number, Slot<T>>;
  /** Handed and not done yet. */
  out?: Slot<T>;
  gapTimer?: NodeJS.Timeout;
}

export class KeyOrder<T> {
  // Map order is recency order: touching a key moves it to the end, so eviction starts at the front.
  private readonly keys = new Map<string, KeyState<T>>();
  private readonly opts: KeyOrderOptions<T>;

  constructor(opts: KeyOrderOptions<T>) {
    this.opts = opts;
  }

  /** An entry arrived (first delivery or redelivery). */
  add(entry: FeedEntry, ref: T): void {
    const k = this.keys.get(entry.key) ?? { held: new Map<number, Slot<T>>() };
    this.keys.delete(entry.key);
    this.keys.set(entry.key, k);
    const known = k.out?.entry.seq === entry.seq ? k.out : k.held.get(entry.seq);
    if (known) {
      known.ref = ref;
      return;
    }
    k.next ??= entry.seq;
    k.held.set(entry.seq, { entry, ref });
    this.advance(k);
  }

  /** The handed slot is settled: its key may hand its next entry. */
  done(slot: Slot<T>): void {
    const k = this.keys.get(slot.entry.key);
    if (k?.out !== slot) return;
    k.out = undefined;
    this.advance(k);
    this.evict();
  }

  /** Every slot not done: held ones and those out (to keep them alive, or to release them on stop). */
  slots(): Slot<T>[] {
    const all: Slot<T>[] = [];
    for (const k of this.keys.values()) {
      if (k.out) all.push(k.out);
      all.push(...k.held.values());
    }
    return all;
  }

  /** Stops the gap timers; the slots stay as they are. */
  close(): void {
    for (const k of this.keys.values()) clearTimeout(k.gapTimer);
  }

  private advance(k: KeyState<T>): void {
    if (k.out) return;
    const head = lowest(k.held);
    if (!head) return;
    const next = k.next ?? head.entry.seq;
    if (head.entry.seq < next) this.hand(k, head, 'behind');
    else if (head.entry.seq === next) this.hand(k, head);
    else k.gapTimer ??= setTimeout(() => this.gapTimedOut(k), this.opts.gapTimeoutMs);
  }

  private gapTimedOut(k: KeyState<T>): void {
    k.gapTimer = undefined;
    const head = lowest(k.held);
    if (!k.out && head) this.hand(k, head, 'gap');
  }

  private hand(k: KeyState<T>, slot: Slot<T>, flag?: 'gap' | 'behind'): void {
    clearTimeout(k.gapTimer);
    k.gapTimer = undefined;
    k.held.delete(slot.entry.seq);
    k.out = slot;
    k.next = Math.max(k.next ?? 0, slot.entry.seq + 1);
    if (flag) slot.entry = { ...slot.entry, flags: { ...slot.entry.flags, [flag]: true } };
    this.opts.hand(slot);
  }

  private evict(): void {
    for (const [key, k] of this.keys) {
      if (this.keys.size <= this.opts.maxKeys) return;
      if (!k.out && k.held.size === 0) this.keys.delete(key);
    }
  }
}

function lowest<T>(held: Map<number, Slot<T>>): Slot<T> | undefined {
  let min: Slot<T> | undefined;
  for (const s of held.values()) if (!min || s.entry.seq < min.entry.seq) min = s;
  return min;
}
