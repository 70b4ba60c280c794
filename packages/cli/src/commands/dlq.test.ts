// `wamesh dlq`: a store outage longer than MAX_DELIVERIES dead-letters events through the
// real consumer worker; `dlq list` shows them, `dlq replay` puts them back and they are
// stored once with the original trace context, and the state is the reference join.
// Dead letters that are not inputs of their region are refused and kept.
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { createDeadLetterer, HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT, HEADER_RECEIVED_AT, HEADER_REGION } from '@wamesh/bus';
import { type Envelope, fieldSubjectOf, streamNames } from '@wamesh/core';
import { waitForJetStream } from '@wamesh/nats-harness';
import { describe, expect } from 'vitest';
import {
  feedEntries,
  inboundEnvelope,
  loggedEvents,
  provisionRegion,
  publishAll,
  referenceState,
  statusEnvelope,
  startTestWorker,
} from '../../../consumer/src/testkit.ts';
import { consumerTest, expectNumberedFeed } from '../../../consumer/src/testkit.vitest.ts';
import { runCli } from '../cli.ts';
import type { ListedDeadLetter } from '../view/dlq.ts';
import { captureIo } from '../testing.ts';

const REGION = 'dlq';
const SHARDS = 2;
const T = 1_760_000_000;
const names = streamNames(REGION);

/** The file's region, provisioned once; `wamesh dlq` against the file's server; the streams' counters. */
const test = consumerTest.extend('dlq', { scope: 'file' }, async ({ nats, nc, jsm }) => {
  await provisionRegion(nc, REGION, SHARDS);
  return {
    async cli(...args: string[]) {
      const io = captureIo();
      // WAMESH_HOME elsewhere: a developer's running dev mesh must not be picked up.
      const code = await runCli(['dlq', ...args, '--nats', nats.url, '--home', '/nonexistent/wamesh-home'], io);
      return { code, io, json: () => JSON.parse(io.stdout.join('\n')) };
    },
    dlqCount: async () => (await jsm.streams.info(names.dead)).state.messages,
    inputLastSeq: async () => (await jsm.streams.info(names.input)).state.last_seq,
  };
});

const traceparent = (i: number) => `00-${'ab'.repeat(15)}${String(i).padStart(2, '0')}-${'cd'.repeat(8)}-01`;

describe('dlq', () => {
  test('dlq - a store outage dead-letters events; list shows them with reasons; replay stores each once, state = reference join, DLQ empty', async ({ nc, jsm, storeNats, storeNc, dlq }) => {
    const { cli, dlqCount, inputLastSeq } = dlq;
    const w = await startTestWorker({ nc, storeNc, region: REGION, shards: SHARDS, prefix: 'dlq', maxDeliveries: 1 });
    try {
      // Read before the outage; the late `delivered`s (and new events) during it.
      const before: Envelope[] = [];
      for (let i = 0; i < 4; i++) {
        before.push(statusEnvelope({ id: `wamid.dlq.${i}`, status: 'read', timestamp: T + 10 }, SHARDS, { region: REGION }));
      }
      before.push(inboundEnvelope({ id: 'wamid.dlq.in.0', from: '4915100', timestamp: T + 1 }, SHARDS, { region: REGION }));
      await publishAll(nc, before);
      await expect.poll(async () => (await loggedEvents(w.store, before.map((e) => e.event.wamid))).length, { message: 'stored' }).toBe(before.length);

      // A real outage: the kv store's own server goes away. Its client waits out a 5 s
      // JetStream timeout per call, so MAX_DELIVERIES=1 keeps this test short: the first
      // failed delivery is dead-lettered (with the defaults, five spread over a minute).
      const server = storeNats.servers[0]!;
      await server.stop();
      const during: Envelope[] = [];
      const meta = (i: number) => ({ region: REGION, traceparent: traceparent(i), receivedAt: 1_700_000_000_000 + i });
      for (let i = 0; i < 4; i++) {
        during.push(statusEnvelope({ id: `wamid.dlq.${i}`, status: 'delivered', timestamp: T + 5 }, SHARDS, meta(i)));
      }
      during.push(statusEnvelope({ id: 'wamid.dlq.new', status: 'sent', timestamp: T + 3 }, SHARDS, meta(4)));
      during.push(inboundEnvelope({ id: 'wamid.dlq.in.1', from: '4915100', timestamp: T + 2 }, SHARDS, meta(5)));
      await publishAll(nc, during);
      await expect.poll(dlqCount, { timeout: 25_000, message: 'dead-lettered' }).toBe(during.length);

      const listed = await cli('list', '--json');
      expect(listed.code, listed.io.stderr.join('\n')).toBe(0);
      const report = listed.json();
      expect(report.total).toBe(during.length);
      const messages: ListedDeadLetter[] = report.regions[0].messages;
      expect(report.regions[0]).toMatchObject({ region: REGION, stream: names.dead, count: during.length });
      expect(new Set(messages.map((m) => m.eventId))).toEqual(new Set(during.map((e) => e.event.id)));
      for (const m of messages) {
        const e = during.find((x) => x.event.id === m.eventId)!;
        expect(m).toMatchObject({
          originalSubject: `wa.${REGION}.${e.event.kind}.${e.event.shard}`,
          subject: `wadlq.${REGION}.${e.event.shard}`,
          wamid: e.event.wamid,
          traceparent: e.meta.traceparent,
          receivedAt: new Date(e.meta.receivedAt).toISOString(),
          replayable: true,
          refusal: null,
        });
        expect(m.reason).toMatch(/^max deliveries \(1\) reached: store failed/);
        expect(Date.parse(m.deadAt)).toBeGreaterThan(Date.now() - 60_000);
      }
      const limited = await cli('list', '--json', '--limit', '2');
      expect(limited.json().regions[0]).toMatchObject({ count: during.length, messages: [{}, {}] });

      await server.start();
      await server.waitHealthy();
      await waitForJetStream(storeNc);

      // A dry run says what it would do and changes nothing.
      const inputBefore = await inputLastSeq();
      const dry = await cli('replay', '--dry-run', '--json');
      expect(dry.code, dry.io.stderr.join('\n')).toBe(0);
      expect(dry.json().total).toMatchObject({ wouldReplay: during.length, replayed: 0, refused: 0, remaining: during.length });
      expect(await dlqCount()).toBe(during.length);
      expect(await inputLastSeq()).toBe(inputBefore);

      // The originals were published moments ago, well inside the input stream's duplicate
      // window: a replay under their event ids would be dropped. The replay ids are distinct.
      const replay = await cli('replay', '--json');
      expect(replay.code, replay.io.stderr.join('\n')).toBe(0);
      const result = replay.json();
      expect(result.total).toMatchObject({ replayed: during.length, alreadyReplayed: 0, refused: 0, failed: 0, remaining: 0 });
      for (const item of result.regions[0].items) {
        expect(item.msgId).toBe(`${item.eventId}:replay:${item.seq}`);
        const copy = (await jsm.streams.getMessage(names.input, { seq: item.inputSeq }))!;
        const original = during.find((e) => e.event.id === item.eventId)!;
        expect(copy.subject).toBe(item.originalSubject);
        expect(copy.header.get('traceparent')).toBe(original.meta.traceparent);
        expect(copy.header.get(HEADER_REGION)).toBe(REGION);
        expect(copy.header.get(HEADER_RECEIVED_AT)).toBe(String(original.meta.receivedAt));
        expect(copy.header.get(HEADER_DEAD_REASON)).toBe('');
        expect(copy.header.get(HEADER_DEAD_SUBJECT)).toBe('');
      }
      expect(await dlqCount()).toBe(0);

      const all = [...before, ...during];
      const wamids = all.map((e) => e.event.wamid);
      await expect.poll(async () => (await loggedEvents(w.store, wamids)).length, { message: 'replayed events stored' }).toBe(all.length);
      const ids = await loggedEvents(w.store, wamids);
      expect(ids.sort()).toEqual(all.map((e) => e.event.id).sort());
      // What downstream reads: every event one feed entry, each key numbered 1..n, the replayed too.
      const feed = await feedEntries(storeNc, 'dlq');
      expect(feed.map((e) => e.id).sort()).toEqual(ids);
      expectNumberedFeed(feed);
      // Applied with their original transport facts: the log keeps the ingress's trace and receive time.
      for (const e of during) {
        const entry = (await w.store.timeline(e.event.wamid)).find((x) => x.eventId === e.event.id)!;
        expect({ traceparent: entry.traceparent, receivedAt: entry.receivedAt }).toEqual({
          traceparent: e.meta.traceparent,
          receivedAt: e.meta.receivedAt,
        });
      }
      const ref = referenceState(all);
      for (const [wamid, want] of ref.messages) expect(await w.store.getMessage(wamid)).toEqual(want);
      for (const [key, want] of ref.conversations) {
        const [phoneNumberId, waId] = key.split('/') as [string, string];
        expect(await w.store.getConversation(phoneNumberId, waId)).toEqual(want);
      }
      expect((await w.store.getMessage('wamid.dlq.0'))?.status).toBe('read');
      expect(await dlqCount()).toBe(0);

      const empty = await cli('list');
      expect(empty.io.stdout.join('\n')).toMatch(new RegExp(`${names.dead}: empty`));
    } finally {
      await w.stop();
    }
  }, 60_000);

  test('dlq - a dead letter of a field event or of another region is refused and kept; dry run and --seq agree', async ({ nc, jsm, dlq }) => {
    const { cli, dlqCount, inputLastSeq } = dlq;
    const js = jetstream(nc);
    // A real message of a stream that is not input (the region's field events), dead-lettered
    // through the bus dead-letterer: its original subject is then wafield.<region>.<field>.
    await js.publish(fieldSubjectOf(REGION, 'account_update'), '{"id":"field-1"}');
    const fields = await js.consumers.get(names.fields);
    const field = (await fields.next({ expires: 2_000 }))!;
    expect(field.subject).toBe(`wafield.${REGION}.account_update`);
    const dead = await createDeadLetterer(js, REGION).deadLetter(field, 0, 'test: a field event');
    await fields.delete();
    // Another region's input, written straight into this region's DLQ.
    const h = natsHeaders();
    h.set(HEADER_DEAD_SUBJECT, 'wa.elsewhere.msg.0');
    h.set(HEADER_DEAD_REASON, 'test: foreign');
    h.set(HEADER_REGION, 'elsewhere');
    h.set(HEADER_RECEIVED_AT, String(Date.now()));
    const foreign = await js.publish(`wadlq.${REGION}.0`, '{"id":"foreign-1"}', { headers: h });
    const inputBefore = await inputLastSeq();
    const fieldsBefore = (await jsm.streams.info(names.fields)).state.last_seq;

    const listed = (await cli('list', '--json')).json().regions[0].messages as ListedDeadLetter[];
    expect(listed.map((m) => [m.seq, m.replayable])).toEqual([
      [dead.seq, false],
      [foreign.seq, false],
    ]);
    expect(listed[0]!.refusal).toMatch(/wafield\.dlq\.account_update is not an input subject/);
    expect(listed[1]!.refusal).toMatch(/input subject of region elsewhere, not of dlq/);
    const human = await cli('list');
    expect(human.io.stdout.join('\n')).toMatch(/2 dead letters[\s\S]*replay refused: wafield\.dlq/);

    for (const flags of [['--dry-run'], []]) {
      const r = await cli('replay', '--json', ...flags);
      expect(r.code).toBe(1);
      expect(r.json().total).toMatchObject({ replayed: 0, wouldReplay: 0, refused: 2, remaining: 2 });
    }
    const one = await cli('replay', '--region', REGION, '--seq', String(dead.seq), '--seq', '999999');
    expect(one.code).toBe(1);
    expect(one.io.stdout.join('\n')).toMatch(/refused +seq \d+ {2}wafield\.dlq\.account_update[\s\S]*not found +seq 999999[\s\S]*refused 1/);
    expect(await dlqCount()).toBe(2);
    expect(await inputLastSeq()).toBe(inputBefore);
    expect((await jsm.streams.info(names.fields)).state.last_seq).toBe(fieldsBefore);
  });

  test('dlq - a replay interrupted after its PubAck is finished by the next run: the repeat is dropped, the dead letter deleted', async ({ nc, jsm, dlq }) => {
    const { cli, inputLastSeq } = dlq;
    const js = jetstream(nc);
    const e = statusEnvelope({ id: 'wamid.dlq.interrupted', status: 'read', timestamp: T }, SHARDS, { region: REGION, traceparent: traceparent(9) });
    const subject = `wa.${REGION}.status.${e.event.shard}`;
    const h = natsHeaders();
    h.set(HEADER_REGION, REGION);
    h.set(HEADER_RECEIVED_AT, String(e.meta.receivedAt));
    h.set('traceparent', e.meta.traceparent!);
    h.set(HEADER_DEAD_SUBJECT, subject);
    h.set(HEADER_DEAD_REASON, 'test: interrupted');
    const letter = await js.publish(`wadlq.${REGION}.${e.event.shard}`, JSON.stringify(e.event), { headers: h });
    // What the interrupted run got as far as: the copy is in the input stream, the letter is not deleted.
    const first = await js.publish(subject, JSON.stringify(e.event), { msgID: `${e.event.id}:replay:${letter.seq}` });
    const inputBefore = await inputLastSeq();

    const r = await cli('replay', '--region', REGION, '--seq', String(letter.seq), '--json');
    expect(r.code, r.io.stderr.join('\n')).toBe(0);
    expect(r.json().regions[0].items).toEqual([
      expect.objectContaining({ seq: letter.seq, action: 'already-replayed', inputSeq: first.seq, eventId: e.event.id }),
    ]);
    expect(await inputLastSeq()).toBe(inputBefore);
    expect(await jsm.streams.getMessage(names.dead, { seq: letter.seq })).toBeNull();
  });

  test('dlq - usage: a subcommand is needed; --seq wants one region; no NATS is said plainly', async ({ dlq }) => {
    const { cli } = dlq;
    const none = captureIo();
    expect(await runCli(['dlq'], none)).toBe(2);
    expect(none.stderr.join('\n')).toMatch(/wamesh dlq list/);
    const two = await cli('replay', '--region', 'a', '--region', 'b', '--seq', '1');
    expect(two.code).toBe(2);
    expect(two.io.stderr.join('\n')).toMatch(/--seq numbers belong to one region/);
    const bad = await cli('replay', '--seq', 'x');
    expect(bad.code).toBe(2);
    const missing = await cli('list', '--region', 'nowhere');
    expect(missing.code).toBe(5);
    expect(missing.io.stderr.join('\n')).toMatch(/no stream WADLQ_NOWHERE/);
    const down = captureIo();
    expect(await runCli(['dlq', 'list', '--nats', 'nats://127.0.0.1:1', '--home', '/nonexistent/wamesh-home'], down)).toBe(4);
  });
});
