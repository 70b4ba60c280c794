import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { HEADER_RECEIVED_AT, HEADER_REGION } from '@wamesh/bus';
import { type Envelope, streamNames } from '@wamesh/core';
import { describe, expect } from 'vitest';
import {
  BUSINESS,
  feedEntries,
  inboundEnvelope,
  loggedEvents,
  provisionRegion,
  publishAll,
  referenceState,
  shardTotals,
  statusEnvelope,
  startTestWorker,
  type TestWorker,
} from './testkit.ts';
import { consumerTest } from './testkit.vitest.ts';

const SHARDS = 4;
const T = 1_760_000_000;

/**
 * consumerTest with `region`: a region of the test's own (named after its bucket prefix),
 * provisioned; and `worker`: starts a test worker on it, stopped after the test.
 */
const test = consumerTest
  .extend('region', async ({ nc, kvPrefix }): Promise<string> => {
    await provisionRegion(nc, kvPrefix, SHARDS);
    return kvPrefix;
  })
  .extend('worker', ({ nc, region, kvPrefix }, { onCleanup }) => {
    const workers: TestWorker[] = [];
    onCleanup(async () => {
      await Promise.all(workers.map((w) => w.stop()));
    });
    return async (extra: { maxDeliveries?: number } = {}): Promise<TestWorker> => {
      const w = await startTestWorker({ nc, region, shards: SHARDS, prefix: kvPrefix, ...extra });
      workers.push(w);
      return w;
    };
  });

const ackPending = async (jsm: JetStreamManager, region: string): Promise<number> => (await shardTotals(jsm, region, SHARDS)).ackPending;

async function streamMessages(jsm: JetStreamManager, stream: string) {
  const info = await jsm.streams.info(stream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m) out.push(m);
  }
  return out;
}

/** The seeds' situations, published in the inverted order the webhooks arrived in. */
function seedEnvelopes(region: string): Envelope[] {
  const m = { region };
  const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';
  const late = 'wamid.late-delivered';
  const failed = 'wamid.failed-then-read';
  return [
    // read before delivered
    statusEnvelope({ id: wamid, status: 'read', timestamp: T + 10 }, SHARDS, m),
    statusEnvelope({ id: wamid, status: 'delivered', timestamp: T + 5 }, SHARDS, m),
    statusEnvelope({ id: wamid, status: 'sent', timestamp: T }, SHARDS, m),
    // delivered five hours late
    statusEnvelope({ id: late, status: 'sent', timestamp: T }, SHARDS, m),
    statusEnvelope({ id: late, status: 'read', timestamp: T + 60 }, SHARDS, m),
    statusEnvelope({ id: late, status: 'delivered', timestamp: T + 2 }, SHARDS, { region, receivedAt: Date.now() + 5 * 3_600_000 }),
    // failed is terminal
    statusEnvelope({ id: failed, status: 'read', timestamp: T + 9 }, SHARDS, m),
    statusEnvelope({ id: failed, status: 'failed', timestamp: T + 1, errors: [{ code: 131047, title: 'Re-engagement' }] }, SHARDS, m),
    // name then email, inverted
    inboundEnvelope({ id: 'wamid.email', from: '5511987654321', timestamp: T + 20, text: 'ana@example.com', name: 'Ana' }, SHARDS, m),
    inboundEnvelope({ id: 'wamid.name', from: '5511987654321', timestamp: T, text: 'Ana', name: 'Ana' }, SHARDS, m),
    // same second: both kept
    inboundEnvelope({ id: 'wamid.same-B', from: '4915112345678', timestamp: T }, SHARDS, m),
    inboundEnvelope({ id: 'wamid.same-A', from: '4915112345678', timestamp: T }, SHARDS, m),
  ];
}

describe('worker', () => {
  test('worker - applies the seeds in inverted order: state equals the reference join, each event logged once with its outcome', async ({ nc, jsm, region, worker }) => {
    const envelopes = seedEnvelopes(region);
    await publishAll(nc, envelopes);
    const { store, worker: w } = await worker();
    const wamids = envelopes.map((e) => e.event.wamid);
    await expect.poll(async () => (await loggedEvents(store, wamids)).length, { message: 'all logged' }).toBe(envelopes.length);
    await expect.poll(() => ackPending(jsm, region), { message: 'all acked' }).toBe(0);

    const ref = referenceState(envelopes);
    for (const [wamid, doc] of ref.messages) expect(await store.getMessage(wamid)).toEqual(doc);
    for (const [key, doc] of ref.conversations) {
      const [phone, waId] = key.split('/') as [string, string];
      expect(await store.getConversation(phone, waId)).toEqual(doc);
    }
    expect(await store.getMessage('wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA')).toMatchObject({ status: 'read' });
    expect(await store.getMessage('wamid.failed-then-read')).toMatchObject({ status: 'failed' });
    expect(await store.getConversation(BUSINESS, '5511987654321')).toMatchObject({ last: { wamid: 'wamid.email' } });
    expect(await store.getConversation(BUSINESS, '4915112345678')).toMatchObject({ ambiguous: true });

    const late = await store.timeline('wamid.late-delivered');
    expect(late.map((e) => [e.status, e.outcome])).toEqual([
      ['sent', 'applied'],
      ['delivered', 'stale'],
      ['read', 'applied'],
    ]);
    expect(late[1]!.beatenBy).toMatchObject({ bySeconds: 58, region });
    const name = (await store.timeline('wamid.name'))[0]!;
    expect(name).toMatchObject({ outcome: 'stale', beatenBy: { bySeconds: 20 } });

    const text = await (await w.http.inject({ method: 'GET', url: '/metrics' })).body;
    // stale: delivered and sent behind read, the late delivered; the name behind the email
    expect(text).toMatch(/wamesh_consumer_events_total\{outcome="stale",kind="status",[^}]*\} 3/);
    expect(text).toMatch(/wamesh_consumer_events_total\{outcome="stale",kind="msg",[^}]*\} 1/);
    expect(text).toMatch(/wamesh_consumer_batch_size_count/);
    expect(text).toMatch(/wamesh_consumer_store_seconds_bucket\{[^}]*op="apply"/);
    expect(text).toMatch(/wamesh_consumer_lag\{shard="0"[^}]*\} 0/);
    expect(text).toMatch(/wamesh_consumer_owned_shards\{[^}]*\} 4/);
  });

  test('worker - a re-sent event (beyond the duplicate window) is reported duplicate and logged once', async ({ nc, region, worker }) => {
    const e = statusEnvelope({ id: 'wamid.dup', status: 'delivered', timestamp: T }, SHARDS, { region });
    await publishAll(nc, [e]);
    const { store, worker: w } = await worker();
    await expect.poll(async () => (await store.timeline('wamid.dup')).length, { message: 'logged' }).toBe(1);
    // Same event id, new stream message: what a webhook re-sent after the window looks like.
    const h = headers();
    h.set(HEADER_REGION, region);
    h.set(HEADER_RECEIVED_AT, String(Date.now()));
    await jetstream(nc).publish(`wa.${region}.status.${e.event.shard}`, JSON.stringify(e.event), { headers: h });
    await expect
      .poll(async () => (await w.http.inject('/metrics')).body, { message: 'duplicate counted' })
      .toMatch(/wamesh_consumer_events_total\{outcome="duplicate",kind="status"[^}]*\} 1/);
    expect(await store.timeline('wamid.dup')).toHaveLength(1);
  });

  test('worker - every change is one feed entry: inbound messages received in order, the older one late with what beat it, numbered 1..n per key in commit order; the input stream never sees them', async ({ nc, jsm, region, kvPrefix, worker }) => {
    const from = '5511900000001';
    const m = { region };
    const envelopes = [
      inboundEnvelope({ id: 'wamid.o1', from, timestamp: T + 1 }, SHARDS, m),
      inboundEnvelope({ id: 'wamid.o2', from, timestamp: T + 2 }, SHARDS, m),
      inboundEnvelope({ id: 'wamid.o0', from, timestamp: T }, SHARDS, m), // late
      inboundEnvelope({ id: 'wamid.o3', from, timestamp: T + 3 }, SHARDS, m),
      statusEnvelope({ id: 'wamid.s', status: 'sent', timestamp: T }, SHARDS, m),
    ];
    await publishAll(nc, envelopes);
    const { store } = await worker();
    await expect.poll(async () => (await loggedEvents(store, envelopes.map((e) => e.event.wamid))).length, { message: 'logged' }).toBe(5);
    await expect.poll(async () => (await feedEntries(nc, kvPrefix)).length, { message: 'feed entries' }).toBe(5);
    const feed = await feedEntries(nc, kvPrefix);
    const byKey = (key: string) => feed.filter((e) => e.key === key).map((e) => [e.seq, e.kind, e.id]);
    const ids = envelopes.map((e) => e.event.id);
    // The conversation's entries in the feed's (commit) order, numbered as they were committed.
    expect(byKey(`conv:${BUSINESS}:${from}`)).toEqual([
      [1, 'message.received', ids[0]],
      [2, 'message.received', ids[1]],
      [3, 'message.late', ids[2]],
      [4, 'message.received', ids[3]],
    ]);
    expect(byKey('msg:wamid.s')).toEqual([[1, 'status.advanced', ids[4]]]);
    const late = feed.find((e) => e.id === ids[2])!;
    expect(late).toMatchObject({ region, flags: { late: true }, beatenBy: { eventId: ids[1], bySeconds: 2 } });
    // The feed is not input: WA_<R> holds exactly what was published, nothing more arrives,
    // and the feed gets no entry twice.
    const names = streamNames(region);
    expect((await jsm.streams.info(names.input)).state.messages).toBe(5);
    await sleep(300);
    expect((await jsm.streams.info(names.input)).state.messages).toBe(5);
    expect((await feedEntries(nc, kvPrefix)).map((e) => e.id)).toEqual(feed.map((e) => e.id));
  });

  test('worker - invalid payloads published straight to the stream are dead-lettered with the reason, never retried', async ({ nc, jsm, region, worker }) => {
    const js = jetstream(nc);
    const h = () => {
      const x = headers();
      x.set(HEADER_REGION, region);
      x.set(HEADER_RECEIVED_AT, String(Date.now()));
      return x;
    };
    const good = statusEnvelope({ id: 'wamid.good', status: 'sent', timestamp: T }, SHARDS, { region });
    await js.publish(`wa.${region}.status.1`, 'not json {', { headers: h() });
    await js.publish(`wa.${region}.status.1`, JSON.stringify({ ...good.event, id: 'nope', timestamp: 'soon' }), { headers: h() });
    await js.publish(`wa.${region}.msg.2`, JSON.stringify(good.event)); // no transport headers
    await publishAll(nc, [good]);
    const { store, worker: w } = await worker({ maxDeliveries: 5 });
    const dead = streamNames(region).dead;
    await expect.poll(async () => (await jsm.streams.info(dead)).state.messages, { message: 'dead-lettered' }).toBe(3);
    await expect.poll(() => store.getMessage('wamid.good'), { message: 'good applied' }).not.toBeNull();
    await expect.poll(() => ackPending(jsm, region), { message: 'settled' }).toBe(0);
    const letters = (await streamMessages(jsm, dead)).map((l) => ({
      subject: l.subject,
      from: l.header.get('Wa-Dead-Subject'),
      reason: l.header.get('Wa-Dead-Reason'),
      data: new TextDecoder().decode(l.data),
    }));
    const byReason = (re: RegExp) => letters.find((l) => re.test(l.reason));
    expect(byReason(/^invalid JSON: /)).toMatchObject({ subject: `wadlq.${region}.1`, from: `wa.${region}.status.1`, data: 'not json {' });
    expect(byReason(/^invalid event: .*(id|timestamp)/)).toMatchObject({ subject: `wadlq.${region}.1`, from: `wa.${region}.status.1` });
    expect(byReason(/^invalid headers: header Wa-Region is missing/)).toMatchObject({
      subject: `wadlq.${region}.2`,
      from: `wa.${region}.msg.2`,
    });
    // Termed, not redelivered: one delivery each.
    expect((await shardTotals(jsm, region, SHARDS)).redelivered).toBe(0);
    const text = (await w.http.inject('/metrics')).body;
    expect(text).toMatch(/wamesh_consumer_events_total\{outcome="invalid",kind="status"[^}]*\} 2/);
    expect(text).toMatch(/wamesh_consumer_dispositions_total\{disposition="dead"[^}]*\} 3/);
  });

  test('worker - /healthz is always ok; /readyz follows start and stop', async ({ worker }) => {
    const w = await worker();
    expect((await w.worker.http.inject('/healthz')).statusCode).toBe(200);
    const ready = await w.worker.http.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { worker: 'ok', nats: 'ok', store: 'ok', shards: '4' } });
    const res = await fetch(`${w.worker.url()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    await w.worker.stop();
    expect(w.worker.runner.owned()).toEqual([]);
  });
});
