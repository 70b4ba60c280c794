// Where the relay reads the change feed: entries in commit order from a durable position.
// The feed is a subject filter on a JetStream stream (the store's log), so the position is
// the stream sequence and an ordered consumer reads from it; nothing here acks or writes.
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeFeedRecord, type FeedEntry } from '@wamesh/client';

/** One record of the feed at `cursor`: an entry, no change (a log row of a duplicate), or why it could not be decoded. */
export type FeedRecord = { cursor: number; entry: FeedEntry } | { cursor: number; invalid: string } | { cursor: number; none: true };

export interface FeedSource {
  /** Records with cursor ≥ `from`, in commit order, until `signal` aborts (then the iterable ends). */
  read(from: number, signal: AbortSignal): AsyncIterable<FeedRecord>;
}

export interface JetStreamFeedOptions {
  stream: string;
  /** Subject filter of the feed within the stream (default all). */
  subject?: string;
  /** Records buffered ahead of the reader. */
  buffer?: number;
}

/** Decodes one record (client's decodeFeedRecord) at its feed position. */
export function decodeRecord(cursor: number, data: Uint8Array): FeedRecord {
  return { cursor, ...decodeFeedRecord(data) };
}

export function jetStreamFeedSource(nc: NatsConnection, opts: JetStreamFeedOptions): FeedSource {
  const js = jetstream(nc);
  return {
    async *read(from, signal) {
      if (signal.aborted) return;
      const consumer = await js.consumers.get(opts.stream, {
        filter_subjects: opts.subject ?? '>',
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: Math.max(1, from),
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
