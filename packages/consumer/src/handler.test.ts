// The batch handler's repair paths, on a real nats-server and kv store: an attempt that dies
// between the state write and the log, or after the log, is repaired by the redelivery
// without losing the change's feed entry, numbering it twice or logging the event twice.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createShardRunner, encodeMeta, type ShardRunner } from '@wamesh/bus';
import { logEntryOf, subjectOf } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createStore, type StateStore } from '@wamesh/store';
import { createMetrics } from '@wamesh/telemetry';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBatchHandler } from './handler.ts';
import { consumerMetrics } from './metrics.ts';
import { BUSINESS, feedEntries, inboundEnvelope, provisionRegion, publishAll, quietLogger } from './testkit.ts';

const SHARDS = 2;
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let n = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  nc = await nats().connect();
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A store whose chosen method fails its first call, like a crash there: before it did
 * anything, or (`after`) once its write is done and only the reply is lost.
 */
function failing<T extends object>(target: T, method: keyof T, opts: { after?: boolean } = {}): T & { calls: number } {
  let left = 1;
  const counter = { calls: 0 };
  const original = (target[method] as (...a: unknown[]) => unknown).bind(target);
  const replaced = async (...args: unknown[]) => {
    counter.calls++;
    if (left-- <= 0) return original(...args);
    if (opts.after) await original(...args);
    throw new Error(`${String(method)} died`);
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

async function setup(wrap: { store?: (s: StateStore) => StateStore }) {
  const region = `h${++n}`;
  await provisionRegion(nc, region, SHARDS);
  const real = createStore({ nc, kvPrefix: region });
  await real.init();
  const store = wrap.store ? wrap.store(real) : real;
  let runner: ShardRunner | undefined;
  const metrics = consumerMetrics(createMetrics({ service: 't', region, defaultMetrics: false }), {
    lag: async () => new Map(),
    owned: () => runner?.owned() ?? [],
  });
  const handler = createBatchHandler({
    store,
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

/** The feed entries of the region's store (its kv prefix is the region's name): key, number, kind, event id. */
async function feedOf(region: string) {
  return (await feedEntries(nc, region)).map((e) => ({ key: e.key, seq: e.seq, kind: e.kind, id: e.id }));
}

describe('batch handler repairs', () => {
  it('handler - died between state write and log: the redelivery logs the message once as applied, its one feed entry numbered as committed', async () => {
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
    await expect.poll(async () => (await feedOf(region)).length, { message: 'in the feed' }).toBe(1);
    expect(await feedOf(region)).toEqual([{ key: `conv:${BUSINESS}:491700001`, seq: 1, kind: 'message.received', id: e.event.id }]);
  });

  it('handler - died after the log, before the ack: the redelivery is a duplicate, the feed keeps one entry each (received and late)', async () => {
    let wrapped: (StateStore & { calls: number }) | undefined;
    const { region, store, runner, metrics } = await setup({
      store: (s) => {
        wrapped = failing(s, 'appendLog', { after: true });
        return wrapped;
      },
    });
    const from = '491700002';
    const newer = inboundEnvelope({ id: 'wamid.h.new', from, timestamp: T + 5 }, SHARDS, { region });
    const older = inboundEnvelope({ id: 'wamid.h.old', from, timestamp: T }, SHARDS, { region });
    await publishAll(nc, [newer, older]);
    runner.start(newer.event.shard);
    // Counted as duplicates on the repair pass: the log had them already.
    const duplicates = async () =>
      (await metrics.events.get()).values.filter((v) => v.labels.outcome === 'duplicate').reduce((a, v) => a + v.value, 0);
    await expect.poll(duplicates, { message: 'redelivered' }).toBe(2);
    expect(wrapped!.calls).toBeGreaterThanOrEqual(2);
    expect((await store.timeline(from)).map((x) => [x.eventId, x.outcome])).toEqual([
      [older.event.id, 'stale'],
      [newer.event.id, 'applied'],
    ]);
    const key = `conv:${BUSINESS}:${from}`;
    expect(await feedOf(region)).toEqual([
      { key, seq: 1, kind: 'message.received', id: newer.event.id },
      { key, seq: 2, kind: 'message.late', id: older.event.id },
    ]);
  });

  it('handler - a DLQ replay (own Nats-Msg-Id, first delivery) of a logged message adds no second feed entry', async () => {
    const { region, store, runner, metrics } = await setup({});
    const e = inboundEnvelope({ id: 'wamid.h.replay', from: '491700003', timestamp: T }, SHARDS, { region });
    // The first attempt stored and logged it (its feed entry), then was dead-lettered.
    const [applied] = await store.applyMessages([e]);
    await store.appendLog([logEntryOf(e, { outcome: applied!.outcome, seq: applied!.seq, document: applied!.doc }, Date.now())]);
    const headers = encodeMeta(e.meta);
    await jetstream(nc).publish(subjectOf(region, 'msg', e.event.shard), JSON.stringify(e.event), {
      msgID: `${e.event.id}:replay:1`,
      headers,
    });
    runner.start(e.event.shard);
    await expect
      .poll(async () => (await metrics.events.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value, { message: 'replay handled' })
      .toBe(1);
    expect(await feedOf(region)).toEqual([{ key: `conv:${BUSINESS}:491700003`, seq: 1, kind: 'message.received', id: e.event.id }]);
    expect(await store.timeline('wamid.h.replay')).toHaveLength(1);
  });
});
