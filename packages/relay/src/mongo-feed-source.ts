// The change feed of the MongoDB store: a change stream on its event log (`events`, one
// document per event, inserted once), inserts only, in the order the replica set committed
// them and only once a majority has them. The position is the change stream's resume token,
// opaque, kept as Extended JSON text; a fresh cursor starts where its stream opens (a change
// stream reaches no further back than the oplog). Change streams need a replica set.
import { feedRecordOf } from '@wamesh/client';
import { fromStoredEvent, MONGO_COLLECTIONS, type StoredEvent } from '@wamesh/store';
import { BSON, type ChangeStreamInsertDocument, MongoClient, type MongoClientOptions, type ResumeToken } from 'mongodb';
import type { FeedRecord, FeedSource } from './feed-source.ts';

export interface MongoFeedOptions {
  uri: string;
  /** The store's database (the consumer's MONGODB_DB). */
  db: string;
  /** Extra driver options (TLS, app name). */
  client?: MongoClientOptions;
}

export interface MongoFeedSource extends FeedSource<string> {
  /** Closes the driver's connections (after every read has ended). */
  close(): Promise<void>;
}

const INSERTS = [{ $match: { operationType: 'insert' } }];

/** The record of one inserted log row; its resume token is where a restart resumes after. */
export function mongoRecordOf(change: ChangeStreamInsertDocument<StoredEvent>): FeedRecord<string> {
  return { resume: BSON.EJSON.stringify(change._id), ...feedRecordOf(fromStoredEvent(change.fullDocument)) };
}

export function mongoFeedSource(opts: MongoFeedOptions): MongoFeedSource {
  // The driver connects on first use and reconnects by itself; a change stream resumes by
  // itself across elections and network errors, from its own last token.
  const client = new MongoClient(opts.uri, { appName: 'wamesh-relay', ...opts.client });
  const events = client.db(opts.db).collection<StoredEvent>(MONGO_COLLECTIONS.events);
  return {
    isResume: (value): value is string => typeof value === 'string',
    async *read(after, signal) {
      if (signal.aborted) return;
      const stream = events.watch<StoredEvent, ChangeStreamInsertDocument<StoredEvent>>(
        INSERTS,
        after === undefined ? {} : { startAfter: BSON.EJSON.parse(after) as ResumeToken },
      );
      // The read's own `finally` closes it again and reports a failure.
      const stop = () => void stream.close().catch(() => {});
      signal.addEventListener('abort', stop, { once: true });
      try {
        if (after === undefined) {
          // Where a fresh stream opens is a record too (no change): the cursor saves it before
          // any row arrives, so a restart misses nothing logged since.
          const first = await stream.tryNext();
          if (first) yield mongoRecordOf(first);
          else if (stream.resumeToken != null) yield { none: true, resume: BSON.EJSON.stringify(stream.resumeToken) };
        }
        for await (const change of stream) {
          if (signal.aborted) return;
          yield mongoRecordOf(change);
        }
      } catch (err) {
        // Closing the stream to stop fails the read that waits on it: that is the end, not an error.
        if (!signal.aborted) throw err;
      } finally {
        signal.removeEventListener('abort', stop);
        await stream.close();
      }
    },
    close: () => client.close(),
  };
}
