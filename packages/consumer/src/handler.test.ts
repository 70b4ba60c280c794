// The batch handler's repair paths, on a real nats-server and kv store: an attempt that dies
// between the state write and the log, or between the log and the outputs, is repaired by
// the redelivery without losing the output or logging the event twice.
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createShardRunner, encodeMeta, type ShardRunner } from '@wamesh/bus';
import { streamNames, subjectOf } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { createMetrics } from '@wamesh/telemetry';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBatchHandler } from './handler.ts';
import { consumerMetrics } from './metrics.ts';
import { createOutputPublisher, type OutputPublisher } from './outputs.ts';
import { BUSINESS, inboundEnvelope, provisionRegion, publishAll, quietLogger } from './testkit.ts';

const SHARDS = 2;
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let jsm: JetStreamManager;
let n = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  nc = await nats().connect();
  jsm = await jetstreamManager(nc);
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A store or publisher whose chosen method fails the first `times` calls, like a crash there. */
function failing<T extends object>(target: T, method: keyof T, times = 1): T & { calls: number } {
  let left = times;
  const counter = { calls: 0 };
  const original = (target[method] as (...a: unknown[]) => unknown).bind(target);
  const replaced = (...args: unknown[]) => {
    counter.calls++;
    if (left-- > 0) return Promise.reject(new Error(`${String(method)} died`));
    return original(...args);
  };
  return new Proxy(target, {
    get(t, prop) {
      if (prop === method) return replaced;
      if (prop === 'calls') return counter.calls;
      const v = Reflect.get(t, prop, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  }) as T & { calls: number };
}

async function setup(wrap: { store?: (s: StateStore) => StateStore; outputs?: (o: OutputPublisher) => OutputPublisher }) {
  const region = `h${++n}`;
  await provisionRegion(nc, region, SHARDS);
  const real = createStore({ nc, kvPrefix: `h${n}` });
  await real.init();
  const store = wrap.store ? wrap.store(real) : real;
  const outputs = createOutputPublisher(jetstream(nc), region);
  let runner: ShardRunner | undefined;
  const metrics = consumerMetrics(createMetrics({ service: 't', region, defaultMetrics: false }), {
    lag: async () => new Map(),
    owned: () => runner?.owned() ?? [],
  });
  const handler = createBatchHandler({
    store,
    outputs: wrap.outputs ? wrap.outputs(outputs) : outputs,
    logger: quietLogger(),
    metrics,
    tracer: trace.getTracer('test'),
  });
  runner = createShardRunner({
    nc,
    region,
    shards: SHARDS,
    handler,
    logger: quietLogger(),
    batchSize: 16,
    batchMaxWaitMs: 0,
    maxDeliveries: 10,
    retry: { initialMs: 20, maxMs: 100 },
    nak: { initialMs: 50, maxMs: 200 },
  });
  const r = runner;
  cleanup.push(async () => {
    await r.stopAll();
    await real.close();
  });
  return { region, store: real, runner: r, metrics };
}

async function outputsOf(region: string) {
  const stream = streamNames(region).output;
  const info = await jsm.streams.info(stream);
  const out = [];
  for (let seq = 1; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m) out.push({ subject: m.subject, id: m.header.get('Nats-Msg-Id'), outcome: m.header.get('Wa-Outcome') });
  }
  return out;
}

describe('batch handler repairs', () => {
  it('handler - died between state write and log: the redelivery logs the message once as applied and publishes it', async () => {
    let wrapped: (StateStore & { calls: number }) | undefined;
    const { region, store, runner } = await setup({
      store: (s) => {
        wrapped = failing(s, 'appendLog');
        return wrapped;
      },
    });
    const e = inboundEnvelope({ id: 'wamid.h.1', from: '491700001', timestamp: T }, SHARDS, { region });
    await publishAll(nc, [e]);
    runner.start(e.event.shard);
    await expect.poll(async () => (await store.timeline('wamid.h.1')).length, { message: 'logged' }).toBe(1);
    expect(wrapped!.calls).toBe(2);
    const [entry] = await store.timeline('wamid.h.1');
    expect(entry).toMatchObject({ eventId: e.event.id, outcome: 'applied' });
    expect(await store.getConversation(BUSINESS, '491700001')).toMatchObject({ last: { eventId: e.event.id } });
    await expect.poll(async () => (await outputsOf(region)).length, { message: 'published' }).toBe(1);
    expect(await outputsOf(region)).toEqual([{ subject: `waout.${region}.ordered.${e.event.shard}`, id: e.event.id, outcome: 'applied' }]);
  });

  it('handler - died between log and outputs: the redelivery republishes from the logged outcome (ordered and late), once each', async () => {
    let wrapped: (OutputPublisher & { calls: number }) | undefined;
    const { region, store, runner, metrics } = await setup({
      outputs: (o) => {
        wrapped = failing(o, 'publish');
        return wrapped;
      },
    });
    const from = '491700002';
    const newer = inboundEnvelope({ id: 'wamid.h.new', from, timestamp: T + 5 }, SHARDS, { region });
    const older = inboundEnvelope({ id: 'wamid.h.old', from, timestamp: T }, SHARDS, { region });
    await publishAll(nc, [newer, older]);
    runner.start(newer.event.shard);
    await expect.poll(async () => (await outputsOf(region)).length, { message: 'published' }).toBe(2);
    expect(wrapped!.calls).toBeGreaterThanOrEqual(2);
    // The repair may redeliver them in separate batches, so their relative order is free here.
    const out = await outputsOf(region);
    expect(out).toHaveLength(2);
    expect(out).toEqual(
      expect.arrayContaining([
        { subject: `waout.${region}.ordered.${newer.event.shard}`, id: newer.event.id, outcome: 'applied' },
        { subject: `waout.${region}.late`, id: older.event.id, outcome: 'stale' },
      ]),
    );
    expect((await store.timeline(from)).map((x) => [x.eventId, x.outcome])).toEqual([
      [older.event.id, 'stale'],
      [newer.event.id, 'applied'],
    ]);
    // Counted as duplicates on the repair pass: the log had them already.
    const counted = (await metrics.events.get()).values.filter((v) => v.labels.outcome === 'duplicate');
    expect(counted.reduce((a, v) => a + v.value, 0)).toBe(2);
  });

  it('handler - a DLQ replay (own Nats-Msg-Id, first delivery) of a logged message still publishes its output', async () => {
    const { region, store, runner } = await setup({});
    const e = inboundEnvelope({ id: 'wamid.h.replay', from: '491700003', timestamp: T }, SHARDS, { region });
    // The first attempt stored and logged it, then died before its output (and was dead-lettered).
    const [applied] = await store.applyMessages([e]);
    const { event, meta } = e;
    await store.appendLog([
      { eventId: event.id, kind: 'msg', key: event.key, wamid: event.wamid, userKey: event.userKey, ids: [event.userKey], phoneNumberId: event.phoneNumberId, type: event.type, timestamp: event.timestamp, region: meta.region, receivedAt: meta.receivedAt, appliedAt: Date.now(), outcome: applied!.outcome },
    ]);
    const headers = encodeMeta(e.meta);
    await jetstream(nc).publish(subjectOf(region, 'msg', e.event.shard), JSON.stringify(e.event), {
      msgID: `${e.event.id}:replay:1`,
      headers,
    });
    runner.start(e.event.shard);
    await expect.poll(async () => (await outputsOf(region)).length, { message: 'published' }).toBe(1);
    expect(await outputsOf(region)).toEqual([{ subject: `waout.${region}.ordered.${e.event.shard}`, id: e.event.id, outcome: 'applied' }]);
    expect(await store.timeline('wamid.h.replay')).toHaveLength(1);
  });
});
