import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { type EventLogEntry, logEntryOf, type StatusEvent } from '@wamesh/core';
import { natsTest as test } from '@wamesh/nats-harness/vitest';
import { bucketNames, eventRowsSubject, KvStore } from '@wamesh/store';
import { afterEach, describe, expect } from 'vitest';
import type { FeedEntry } from './entry.ts';
import { DEFAULT_FEED_STREAM, DEFAULT_FEED_SUBJECT } from './feed-consumer.ts';
import { createFeedReader, type FeedHandler, type FeedReader, type FeedReaderOptions } from './reader.ts';
import type { FeedReaderError } from './reader-error.ts';

// Real nats-server; the rows are written by the KV store itself (its events bucket, row
// subjects beside the timeline markers the reader must not read).
const T = 1_760_000_000;
let feedNo = 0;

async function feed(nc: NatsConnection) {
  const prefix = `reader${++feedNo}`;
  const store = new KvStore({ nc, prefix });
  await store.init();
  const bucket = bucketNames(prefix).events;
  return {
    bucket,
    stream: `KV_${bucket}`,
    subject: eventRowsSubject(prefix),
    /** Appends rows one by one: the stream order is the order given. */
    async append(...rows: EventLogEntry[]) {
      for (const r of rows) await store.appendLog([r]);
    },
  };
}

/** The log row of a status of `wamid` committed as its key's `seq`-th change (seq undefined: a duplicate). */
function row(wamid: string, seq: number | undefined): EventLogEntry {
  const event: StatusEvent = {
    id: `status-${wamid}-${seq ?? 'dup'}`,
    kind: 'status',
    key: wamid,
    shard: 0,
    phoneNumberId: '1000',
    wabaId: '2000',
    timestamp: T + (seq ?? 0),
    wamid,
    status: 'delivered',
    recipientId: '4917',
    payload: { id: wamid, status: 'delivered' },
  };
  const outcome = seq === undefined ? 'duplicate' : 'applied';
  return logEntryOf({ event, meta: { region: 'eu-west', receivedAt: Date.now() } }, { outcome, seq, document: { wamid } }, Date.now());
}

const seqs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

/** Records what a handler got, in order, and any key that had two entries in flight at once. */
class Recorder {
  readonly got: { entry: FeedEntry; attempt: number; at: number }[] = [];
  readonly overlaps: string[] = [];
  readonly errors: FeedReaderError[] = [];
  private readonly inFlight = new Set<string>();

  handler(inner: (entry: FeedEntry, attempt: number) => Promise<void> | void = () => {}): FeedHandler {
    return async (entry, { attempt }) => {
      if (this.inFlight.has(entry.key)) this.overlaps.push(entry.key);
      this.inFlight.add(entry.key);
      this.got.push({ entry, attempt, at: Date.now() });
      try {
        await inner(entry, attempt);
      } finally {
        this.inFlight.delete(entry.key);
      }
    };
  }

  seqsOf(key: string): number[] {
    return this.got.filter((g) => g.entry.key === key).map((g) => g.entry.seq);
  }
}

const running: FeedReader[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function start(opts: FeedReaderOptions, rec: Recorder, handler: FeedHandler) {
  const reader = createFeedReader({ onError: (e) => rec.errors.push(e), ...opts });
  running.push(reader);
  const done = reader.run(handler);
  return { reader, done };
}

describe('client feed reader - per-key order from a durable consumer', () => {
  test('defaults to the KV store event log of prefix wamesh', () => {
    expect(DEFAULT_FEED_STREAM).toBe(`KV_${bucketNames('wamesh').events}`);
    expect(DEFAULT_FEED_SUBJECT).toBe(eventRowsSubject('wamesh'));
  });

  test('refuses a durable of that name with another filter: its position is in another feed', async ({ nc, jsm }) => {
    const f = await feed(nc);
    await jsm.consumers.add(f.stream, { durable_name: 'foreign', ack_policy: AckPolicy.Explicit, filter_subject: `$KV.${f.bucket}.t.>` });
    const run = createFeedReader({ nc, ...f, durable: 'foreign' }).run(() => {});
    await expect(run).rejects.toMatchObject({ name: 'FeedReaderError', code: 'E_FEED_CONSUMER' });
  });

  test('keeps each key in seq order with keys interleaved, one in flight per key; rows of no change are acked silently', async ({ nc, jsm }) => {
    const f = await feed(nc);
    const keys = Array.from({ length: 6 }, (_, i) => `wamid.ORDER${i}`);
    const rows = seqs(5).flatMap((s) => keys.map((k) => row(k, s)));
    await f.append(...rows.slice(0, 15), row(keys[0]!, undefined), ...rows.slice(15));
    const rec = new Recorder();
    start({ nc, ...f, durable: 'order', concurrency: 4 }, rec, rec.handler(() => sleep(Math.floor(Math.random() * 10))));
    await expect.poll(() => rec.got.length).toBe(30);
    for (const k of keys) expect(rec.seqsOf(`msg:${k}`)).toEqual(seqs(5));
    expect(rec.overlaps).toEqual([]);
    expect(rec.errors).toEqual([]);
    expect(rec.got[0]!.entry).toMatchObject({ id: `status-${keys[0]}-1`, kind: 'status.advanced', event: { id: keys[0], status: 'delivered' } });
    // Every record acked, the duplicate's row included.
    await expect.poll(async () => (await jsm.consumers.info(f.stream, 'order')).num_ack_pending).toBe(0);
    expect((await jsm.consumers.info(f.stream, 'order')).num_pending).toBe(0);
  });

  test('a handler that throws gets the same entry again (same id) while its key waits and other keys go on', async ({ nc }) => {
    const f = await feed(nc);
    await f.append(row('wamid.FAIL', 1), row('wamid.FAIL', 2), ...seqs(3).map((s) => row('wamid.OTHER', s)));
    const rec = new Recorder();
    const handler = rec.handler((e, attempt) => {
      if (e.key === 'msg:wamid.FAIL' && e.seq === 1 && attempt < 3) throw new Error(`refused ${attempt}`);
    });
    start({ nc, ...f, durable: 'retry', retryDelaysMs: [300] }, rec, handler);
    await expect.poll(() => rec.got.length).toBe(7);
    const fail = rec.got.filter((g) => g.entry.key === 'msg:wamid.FAIL');
    expect(fail.map((g) => [g.entry.seq, g.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
    ]);
    expect(new Set(fail.slice(0, 3).map((g) => g.entry.id))).toEqual(new Set(['status-wamid.FAIL-1']));
    expect(fail[1]!.at - fail[0]!.at).toBeGreaterThanOrEqual(140); // 300 ms jittered to 0.5-1.5x
    // The other key did not wait for the failing one.
    const other = rec.got.filter((g) => g.entry.key === 'msg:wamid.OTHER');
    expect(other.map((g) => g.entry.seq)).toEqual(seqs(3));
    expect(other.at(-1)!.at).toBeLessThan(fail[1]!.at);
    expect(rec.errors.map((e) => [e.code, e.entry?.id])).toEqual([
      ['E_FEED_HANDLER', 'status-wamid.FAIL-1'],
      ['E_FEED_HANDLER', 'status-wamid.FAIL-1'],
    ]);
  });

  test('a restart with the same durable resumes after the last acked; entries held at stop come first', async ({ nc }) => {
    const f = await feed(nc);
    await f.append(...seqs(3).flatMap((s) => [row('wamid.R1', s), row('wamid.R2', s)]));
    const first = new Recorder();
    let release!: () => void;
    const slow = new Promise<void>((r) => {
      release = r;
    });
    // R2's seq 2 is in the handler at stop: it finishes and is acked; R2's seq 3 stays held.
    const a = start({ nc, ...f, durable: 'resume' }, first, first.handler((e) => (e.key === 'msg:wamid.R2' && e.seq === 2 ? slow : undefined)));
    await expect.poll(() => first.got.length).toBe(5);
    const stopped = a.reader.stop();
    release();
    await stopped;
    await a.done;
    expect(first.seqsOf('msg:wamid.R1')).toEqual(seqs(3));
    expect(first.seqsOf('msg:wamid.R2')).toEqual([1, 2]);

    await f.append(row('wamid.R1', 4), row('wamid.R2', 4));
    const second = new Recorder();
    start({ nc, ...f, durable: 'resume' }, second, second.handler());
    await expect.poll(() => second.got.length).toBe(3);
    await sleep(300);
    expect(second.seqsOf('msg:wamid.R1')).toEqual([4]);
    expect(second.seqsOf('msg:wamid.R2')).toEqual([3, 4]);
    expect(second.got.every((g) => !g.entry.flags?.gap && !g.entry.flags?.behind)).toBe(true);
  });

  test('after a crash, the entries left unacked come back before newer ones of their key', async ({ nats, nc }) => {
    const f = await feed(nc);
    await f.append(row('wamid.C', 1), row('wamid.C', 2));
    const crashed = await nats.connect();
    const first = new Recorder();
    // Seq 2 never finishes: the process dies with it in the handler, unacked.
    // Not stopped: the run dies with its connection.
    void createFeedReader({ nc: crashed, ...f, durable: 'crash', ackWaitMs: 1_500 }).run(first.handler((e) => (e.seq === 2 ? new Promise(() => {}) : undefined)));
    await expect.poll(() => first.got.length).toBe(2);
    await crashed.close();
    await f.append(row('wamid.C', 3), row('wamid.C', 4));
    const second = new Recorder();
    const t0 = Date.now();
    start({ nc, ...f, durable: 'crash' }, second, second.handler());
    await expect.poll(() => second.got.length).toBe(3);
    expect(second.seqsOf('msg:wamid.C')).toEqual([2, 3, 4]);
    expect(second.got[0]!.attempt).toBe(2);
    expect(second.got.every((g) => !g.entry.flags?.gap && !g.entry.flags?.behind)).toBe(true);
    // Waited for the redelivery, within the ack wait and a margin.
    expect(second.got[0]!.at - t0).toBeLessThan(1_500 + 1_500);
  });

  test('holds an entry after a missing seq until the missing one arrives (a row repaired late)', async ({ nc }) => {
    const f = await feed(nc);
    await f.append(row('wamid.G', 1), row('wamid.G', 3), row('wamid.H', 1));
    const rec = new Recorder();
    start({ nc, ...f, durable: 'gap', gapTimeoutMs: 10_000 }, rec, rec.handler());
    await expect.poll(() => rec.got.length).toBe(2);
    await sleep(400);
    expect(rec.seqsOf('msg:wamid.G')).toEqual([1]);
    await f.append(row('wamid.G', 2));
    await expect.poll(() => rec.seqsOf('msg:wamid.G')).toEqual([1, 2, 3]);
    expect(rec.got.every((g) => !g.entry.flags?.gap)).toBe(true);
  });

  test('past the gap timeout the held entry goes flagged gap; the missing one, when it comes, goes flagged behind', async ({ nc }) => {
    const f = await feed(nc);
    await f.append(row('wamid.T', 1), row('wamid.T', 3));
    const rec = new Recorder();
    start({ nc, ...f, durable: 'gapout', gapTimeoutMs: 500 }, rec, rec.handler());
    await expect.poll(() => rec.seqsOf('msg:wamid.T')).toEqual([1, 3]);
    const [one, three] = rec.got;
    expect(three!.at - one!.at).toBeGreaterThanOrEqual(450);
    expect(three!.entry.flags).toMatchObject({ gap: true });
    expect(one!.entry.flags?.gap).toBeUndefined();
    await f.append(row('wamid.T', 2), row('wamid.T', 4));
    await expect.poll(() => rec.seqsOf('msg:wamid.T')).toEqual([1, 3, 2, 4]);
    expect(rec.got[2]!.entry.flags).toMatchObject({ behind: true });
    expect(rec.got[3]!.entry.flags).toBeUndefined();
  });
});
