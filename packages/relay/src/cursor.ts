// The endpoint's durable position in the feed: the lowest record not yet finished
// (delivered, dead-lettered and skipped, or filtered out). Keys finish out of order, so a
// restart re-sends what finished above that point: the in-flight window, same entry ids.
import type { KV } from '@nats-io/kv';

/** Records read but not finished, in read order; `position()` is where a restart resumes. */
export class CursorTracker {
  private readonly order: number[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  private next: number;

  constructor(from: number) {
    this.next = from;
  }

  add(cursor: number): void {
    this.order.push(cursor);
    this.next = cursor + 1;
  }

  finish(cursor: number): void {
    this.finished.add(cursor);
    while (this.head < this.order.length && this.finished.delete(this.order[this.head]!)) this.head++;
    // Drop the finished prefix now and then, not on every call.
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Records read and not finished. */
  pending(): number {
    return this.order.length - this.head;
  }

  /** The resume position: the oldest unfinished record, else the one after the last read. */
  position(): number {
    return this.head < this.order.length ? this.order[this.head]! : this.next;
  }
}

export const cursorKey = (endpoint: string, partition: number): string => `cursor.${endpoint}.${partition}`;

/** Cursors in the relay's KV bucket, one key per endpoint and partition. */
export interface CursorStore {
  load(endpoint: string, partition: number): Promise<number>;
  save(endpoint: string, partition: number, position: number): Promise<void>;
}

export function kvCursorStore(kv: KV): CursorStore {
  return {
    async load(endpoint, partition) {
      const e = await kv.get(cursorKey(endpoint, partition));
      const n = e && e.operation === 'PUT' ? Number(e.string()) : Number.NaN;
      return Number.isInteger(n) && n > 0 ? n : 1;
    },
    async save(endpoint, partition, position) {
      await kv.put(cursorKey(endpoint, partition), String(position));
    },
  };
}
