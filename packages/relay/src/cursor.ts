// The endpoint's durable position in the feed: where a restart resumes, after every record
// up to the lowest one not yet finished (delivered, dead-lettered and skipped, or filtered
// out). Keys finish out of order, so a restart re-sends what finished above that point: the
// in-flight window, same entry ids. What a position is belongs to the feed source (a stream
// sequence, a change stream's resume token): the tracker orders records by its own local
// numbers and only keeps each record's resume value.
import type { KV } from '@nats-io/kv';
import type { Resume } from './feed-source.ts';

/** Records read but not finished, in read order; `resume()` is what a restart resumes after. */
export class CursorTracker<R = Resume> {
  private readonly order: { position: number; resume: R }[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  private next = 1;
  private done: R | undefined;

  /** `after`: the resume value the reading started after (undefined: the feed's start). */
  constructor(after: R | undefined) {
    this.done = after;
  }

  /** A record read, by its resume value; returns its local position (what `finish` takes). */
  add(resume: R): number {
    const position = this.next++;
    this.order.push({ position, resume });
    return position;
  }

  finish(position: number): void {
    this.finished.add(position);
    while (this.head < this.order.length && this.finished.delete(this.order[this.head]!.position)) {
      this.done = this.order[this.head]!.resume;
      this.head++;
    }
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

  /**
   * What a restart resumes after: the resume value of the record just before the oldest
   * unfinished one (every record up to it is finished), else the starting point.
   */
  resume(): R | undefined {
    return this.done;
  }
}

export const cursorKey = (endpoint: string, partition: number): string => `cursor.${endpoint}.${partition}`;

/** Cursors in the relay's KV bucket, one key per endpoint and partition, the resume value as JSON. */
export interface CursorStore {
  /** The saved resume value, undefined when none (or not one). */
  load(endpoint: string, partition: number): Promise<Resume | undefined>;
  save(endpoint: string, partition: number, resume: Resume): Promise<void>;
}

const isResume = (v: unknown): v is Resume => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

export function kvCursorStore(kv: KV): CursorStore {
  return {
    async load(endpoint, partition) {
      const e = await kv.get(cursorKey(endpoint, partition));
      if (e?.operation !== 'PUT') return undefined;
      try {
        const v: unknown = JSON.parse(e.string());
        return isResume(v) ? v : undefined;
      } catch {
        return undefined;
      }
    },
    async save(endpoint, partition, resume) {
      await kv.put(cursorKey(endpoint, partition), JSON.stringify(resume));
    },
  };
}
