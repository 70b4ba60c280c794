// The Mongo feed source: a change stream on the store's `events` collection, rows written by
// the store itself. Runs where a MongoDB replica set is reachable (CI sets MONGODB_URI; else
// Docker); elsewhere it prints why it is skipped, as the store's Mongo contract does.
import { decodeFeedRecord } from '@wamesh/client';
import type { EventLogEntry, Outcome } from '@wamesh/core';
import { createStore, type StateStore, type StoredEvent } from '@wamesh/store';
import { describeSkipped, useMongo } from '@wamesh/store/testing';
import type { ChangeStreamInsertDocument } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FeedRecord } from './feed-source.ts';
import { type MongoFeedSource, mongoFeedSource, mongoRecordOf } from './mongo-feed-source.ts';

const mongo = await useMongo();
const T = 1_760_000_000;
let rowNo = 0;

/** A log row as the consumer writes it: a change of `feedKey` numbered `seq`, or a duplicate (no entry). */
function logRow(feedKey: string, seq: number, outcome: Outcome = 'applied'): EventLogEntry {
  const n = ++rowNo;
  const row: EventLogEntry = {
    eventId: `in:wamid.${n}`,
    kind: 'msg',
    key: '5511987654321',
    wamid: `wamid.${n}`,
    ids: ['5511987654321'],
    phoneNumberId: '1000',
    type: 'text',
    timestamp: T + n,
    region: 'eu-west',
    receivedAt: (T + n) * 1000 + 5,
    appliedAt: (T + n) * 1000 + 9,
    outcome,
  };
  if (outcome === 'duplicate') return row;
  return { ...row, feedKey, seq, payload: { id: row.wamid, from: row.key, type: 'text', text: { body: `hello ${n}` } } };
}

const text = new TextEncoder();

describe('relay mongo feed - records', () => {
  it("an inserted row decodes as the same row read from the KV log; the resume token is its Extended JSON", () => {
    const row = logRow('conv:1000:5511987654321', 3);
    const { eventId, ...rest } = row;
    const change = {
      _id: { _data: '82675A1B2C000000012B022C0100296E5A1004' },
      operationType: 'insert',
      fullDocument: { ...rest, _id: eventId, loggedAt: new Date() },
    } as unknown as ChangeStreamInsertDocument<StoredEvent>;
    const rec = mongoRecordOf(change);
    expect(rec).toEqual({ resume: '{"_data":"82675A1B2C000000012B022C0100296E5A1004"}', ...decodeFeedRecord(text.encode(JSON.stringify(row))) });
    expect(rec).toMatchObject({ entry: { id: eventId, kind: 'message.received', key: 'conv:1000:5511987654321', seq: 3 } });
  });
});

if (mongo.skip !== undefined) describeSkipped('relay mongo feed', `change stream (${mongo.label})`, mongo.skip);
else describeChangeStream();

function describeChangeStream(): void {
  describe(`relay mongo feed: change stream (${mongo.label})`, () => {
    const db = mongo.database(`relayfeed${Date.now().toString(36)}${process.pid.toString(36)}`);
    let store: StateStore;
    const sources: MongoFeedSource[] = [];

    beforeAll(async () => {
      store = createStore({ mongodbUri: mongo.uri(), mongodbDb: db });
      await store.init();
    });
    afterAll(async () => {
      await Promise.all(sources.map((s) => s.close()));
      await store?.close();
    });

    /** Reads `source` from `after` in the background until `stop()`, which resolves once the read ended. */
    function reader(after: string | undefined) {
      const source = mongoFeedSource({ uri: mongo.uri(), db });
      sources.push(source);
      const abort = new AbortController();
      const got: FeedRecord<string>[] = [];
      const reading = (async () => {
        for await (const rec of source.read(after, abort.signal)) got.push(rec);
      })();
      const entries = () => got.flatMap((r) => ('entry' in r ? [{ id: r.entry.id, seq: r.entry.seq, resume: r.resume }] : []));
      const stop = () => {
        abort.abort();
        return reading;
      };
      return { got, entries, stop };
    }

    it('yields inserted rows in commit order after where it opened; a source started after a saved token yields only the later ones', async () => {
      const first = reader(undefined);
      // A fresh stream's first record is where it opened (no change): rows logged from then on follow.
      await vi.waitFor(() => expect(first.got).toHaveLength(1), { timeout: 30_000 });
      expect(first.got[0]).toMatchObject({ none: true });
      const key = 'conv:1000:5511987654321';
      const rows = [1, 2, 3, 4, 5, 6].map((seq) => logRow(key, seq));
      // One commit each, in this order; a duplicate between them makes no entry.
      for (const [i, row] of rows.entries()) {
        await store.appendLog([row]);
        if (i === 2) await store.appendLog([logRow('', 0, 'duplicate')]);
      }
      await vi.waitFor(() => expect(first.entries()).toHaveLength(6), { timeout: 20_000 });
      expect(first.entries().map((e) => [e.id, e.seq])).toEqual(rows.map((r) => [r.eventId, r.seq]));
      expect(first.got.every((r) => !('invalid' in r))).toBe(true);
      expect(new Set(first.got.map((r) => r.resume)).size).toBe(first.got.length);
      // Stopping ends the read (it does not throw).
      await first.stop();

      // What a cursor saves: the token of the last record done with (here the third entry).
      const saved = first.entries()[2]!.resume;
      const second = reader(saved);
      const later = logRow(key, 7);
      await store.appendLog([later]);
      await vi.waitFor(() => expect(second.entries()).toHaveLength(4), { timeout: 20_000 });
      expect(second.entries().map((e) => e.id)).toEqual([...rows.slice(3), later].map((r) => r.eventId));
      await second.stop();

      // A cursor saved before any row arrived (the opening record) misses none logged since.
      const fromOpening = reader(first.got[0]!.resume);
      await vi.waitFor(() => expect(fromOpening.entries()).toHaveLength(7), { timeout: 20_000 });
      expect(fromOpening.entries().map((e) => e.id)).toEqual([...rows, later].map((r) => r.eventId));
      await fromOpening.stop();
    });
  });
}
