import type { FeedEntry } from './entry.ts';

export type FeedReaderErrorCode =
  /** The handler threw: the entry is handed again after a backoff, its key waits. */
  | 'E_FEED_HANDLER'
  /** A record of the stream is no entry and no log row: acked and passed over. */
  | 'E_FEED_RECORD'
  /** The ack of a handled entry was not confirmed: the entry may come again, flagged `behind`. */
  | 'E_FEED_ACK'
  /** The durable consumer exists with another filter or ack policy. */
  | 'E_FEED_CONSUMER';

/** What went wrong in a feed reader; `onError` gets every one but E_FEED_CONSUMER, which `run` rejects with. */
export class FeedReaderError extends Error {
  override name = 'FeedReaderError';
  readonly code: FeedReaderErrorCode;
  /** The entry concerned (handler, ack). */
  readonly entry: FeedEntry | undefined;
  /** The record's stream sequence. */
  readonly streamSeq: number | undefined;

  constructor(code: FeedReaderErrorCode, message: string, opts: { cause?: unknown; entry?: FeedEntry; streamSeq?: number } = {}) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.entry = opts.entry;
    this.streamSeq = opts.streamSeq;
  }
}
