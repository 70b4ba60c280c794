// Where the relay reads the change feed: records in commit order, each with the value a
// restart resumes after. The source defines that value: here the feed is a subject filter on
// a JetStream stream (the store's log), so it is the stream sequence and an ordered consumer
// reads from the next one; nothing here acks or writes.
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeFeedRecord } from '@wamesh/client';

/** What the cursor store persists for a source: a JetStream stream sequence, a change stream's resume token. */
export type Resume = number | string;

/**
 * One record of the feed: an entry, no change (a log row of a duplicate, or where a fresh
 * change stream opened), or why it could not be decoded; `resume` is its position.
 */
export type FeedRecord<R extends Resume = Resume> = ReturnType<typeof decodeFeedRecord> & { resume: R };

export interface FeedSource<R extends Resume = Resume> {
  /** Whether a saved value is one of this source's (a cursor another kind of feed saved is not). */
  isResume(value: Resume): value is R;
  /** Records after the one `after` came from (the feed's start when undefined), in commit order, until `signal` aborts (then the iterable ends). */
  read(after: R | undefined, signal: AbortSignal): AsyncIterable<FeedRecord<R>>;
}

export interface JetStreamFeedOptions {
  stream: string;
  /** Subject filter of the feed within the stream (default all). */
  subject?: string;
  /** Records buffered ahead of the reader. */
  buffer?: number;
}

/** Decodes one record (client's decodeFeedRecord) at its feed position. */
export function decodeRecord<R extends Resume>(resume: R, data: Uint8Array): FeedRecord<R> {
  return { resume, ...decodeFeedRecord(data) };
}

export function jetStreamFeedSource(nc: NatsConnection, opts: JetStreamFeedOptions): FeedSource<number> {
  const js = jetstream(nc);
  return {
    isResume: (value): value is number => typeof value === 'number',
    async *read(after, signal) {
      if (signal.aborted) return;
      const consumer = await js.consumers.get(opts.stream, {
        filter_subjects: opts.subject ?? '>',
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: (after ?? 0) + 1,
      });
      const messages = await consumer.consume({ max_messages: opts.buffer ?? 512 });
      const stop = () => messages.stop();
      signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const m of messages) {
          if (signal.aborted) return;
          yield decodeRecord(m.seq, m.data);
        }
      } finally {
        signal.removeEventListener('abort', stop);
        messages.stop();
      }
    },
  };
}
