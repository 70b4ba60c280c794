// Where the relay reads the change feed: entries in commit order from a durable position.
// The feed is a subject filter on a JetStream stream (the store's log), so the position is
// the stream sequence and an ordered consumer reads from it; nothing here acks or writes.
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type FeedEntry, feedEntryOfLogRow, feedEntrySchema, isLogRow } from '@wamesh/client';

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

const text = new TextDecoder();

/**
 * Decodes one record: a row of the store's event log (the feed as the store commits it) or
 * an entry as such; an undecodable one is reported with its cursor, never thrown.
 */
export function decodeRecord(cursor: number, data: Uint8Array): FeedRecord {
  let json: unknown;
  try {
    json = JSON.parse(text.decode(data));
  } catch {
    return { cursor, invalid: 'not JSON' };
  }
  if (isLogRow(json)) {
    const entry = feedEntryOfLogRow(json);
    if (entry === null) return { cursor, none: true };
    json = entry;
  }
  const parsed = feedEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { cursor, invalid: `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}` };
  }
  return { cursor, entry: parsed.data };
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
