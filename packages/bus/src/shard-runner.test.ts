import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import { streamNames } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import type { BusLogger } from './logger.ts';
import { createShardRunner, type ShardRunner, type ShardRunnerOptions } from './shard-runner.ts';
import { regionTopology } from './topology.ts';
import type { BatchHandler, Verdict } from './types.ts';

// The production topology (regionTopology + ensureTopology), with a short ack wait.
const SHARDS = 2;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let jsm: JetStreamManager;
let region = '';
let regionNo = 0;
const runners: ShardRunner[] = [];

const quiet: BusLogger & { errors: unknown[] } = {
  errors: [],
  debug() {},
  info() {},
  warn() {},
  error(obj) {
    quiet.errors.push(obj);
  },
};

beforeAll(async () => {
  nc = await nats().connect();
  jsm = await jetstreamManager(nc);
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stopAll()));
});

const topology = () =>
  regionTopology({ region, shards: SHARDS, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, ackWaitMs: 5_000 });

async function freshRegion(opts: { consumers?: boolean } = {}): Promise<string> {
  region = `r${++regionNo}`;
  const t = topology();
  await ensureTopology(nc, opts.consumers === false ? { ...t, consumers: [] } : t);
  return region;
}

async function addConsumer(shard: number): Promise<void> {
  const t = topology();
  await ensureTopology(nc, { ...t, streams: [], kv: [], consumers: t.consumers.filter((c) => c.name === `shard-${shard}`) });
}

async function publish(shard: number, n: number, kind = 'status', from = 0): Promise<void> {
  const js = jetstream(nc);
  for (let i = from; i < from + n; i++) {
    const h = headers();
    h.set('Wa-Region', region);
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await js.publish(`wa.${region}.${kind}.${shard}`, JSON.stringify({ i, shard }), { headers: h, msgID: `${region}-${kind}-${shard}-${i}` });
  }
}

function runner(handler: BatchHandler, extra: Partial<ShardRunnerOptions> = {}): ShardRunner {
  const r = createShardRunner({
    nc,
    region,
    shards: SHARDS,
    handler,
    logger: quiet,
    batchSize: 8,
    batchMaxWaitMs: 20,
    maxDeliveries: 3,
    retry: { initialMs: 50, maxMs: 200 },
    nak: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
  runners.push(r);
  return r;
}


async function consumerState(shard: number): Promise<{ pending: number; ackPending: number }> {
  const info = await jsm.consumers.info(streamNames(region).input, `shard-${shard}`);
  return { pending: info.num_pending, ackPending: info.num_ack_pending };
}

const payload = (m: JsMsg) => m.json<{ i: number; shard: number }>();
const ackAll: BatchHandler = async (_s, batch) => batch.map(() => ({ kind: 'ok' }));

describe('shard-runner', () => {
  it('shard-runner - hands every message once, in stream order per shard, in bounded batches, and acks', async () => {
    await freshRegion();
    await publish(0, 30);
    await publish(1, 20);
    const seen = new Map<number, number[]>();
    const sizes: number[] = [];
    const r = runner(async (shard, batch) => {
      sizes.push(batch.length);
      for (const m of batch) {
        expect(payload(m).shard).toBe(shard);
        seen.set(shard, [...(seen.get(shard) ?? []), payload(m).i]);
      }
      return batch.map(() => ({ kind: 'ok' }));
    });
    r.start(0);
    r.start(1);
    expect(r.owned()).toEqual([0, 1]);
    await expect.poll(() => (seen.get(0)?.length ?? 0) === 30 && (seen.get(1)?.length ?? 0) === 20, { timeout: 15_000, interval: 25, message: 'all handled' }).toBe(true);
    expect(seen.get(0)).toEqual([...Array(30).keys()]);
    expect(seen.get(1)).toEqual([...Array(20).keys()]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    expect(sizes.some((s) => s > 1)).toBe(true);
    await expect.poll(async () => (await consumerState(0)).ackPending === 0 && (await consumerState(1)).ackPending === 0, { timeout: 15_000, interval: 25, message: 'acks landed' }).toBe(true);
    expect(await consumerState(0)).toEqual({ pending: 0, ackPending: 0 });
  });

  it('shard-runner - a nak is redelivered; the MAX_DELIVERIES-th nak dead-letters with reason, subject, headers and payload', async () => {
    await freshRegion();
    await publish(0, 3);
    const deliveries = new Map<number, number[]>();
    const r = runner(async (_s, batch) =>
      batch.map((m): Verdict => {
        const { i } = payload(m);
        deliveries.set(i, [...(deliveries.get(i) ?? []), m.info.deliveryCount]);
        return i === 1 ? { kind: 'retryable', reason: 'store unavailable' } : { kind: 'ok' };
      }),
    );
    r.start(0);
    const dead = streamNames(region).dead;
    await expect.poll(async () => (await jsm.streams.info(dead)).state.messages, { timeout: 15_000, interval: 25, message: 'dead-lettered' }).toBe(1);
    expect(deliveries.get(1)).toEqual([1, 2, 3]);
    expect(deliveries.get(0)).toEqual([1]);
    const copy = (await jsm.streams.getMessage(dead, { seq: 1 }))!;
    expect(copy.subject).toBe(`wadlq.${region}.0`);
    expect(copy.header.get('Wa-Dead-Reason')).toBe('max deliveries (3) reached: store unavailable');
    expect(copy.header.get('Wa-Dead-Subject')).toBe(`wa.${region}.status.0`);
    expect(copy.header.get('Wa-Region')).toBe(region);
    expect(copy.header.get('traceparent')).toMatch(/^00-/);
    expect(copy.json()).toEqual({ i: 1, shard: 0 });
    // termed: nothing left to redeliver
    await expect.poll(async () => (await consumerState(0)).ackPending, { timeout: 15_000, interval: 25, message: 'settled' }).toBe(0);
    await sleep(300);
    expect(deliveries.get(1)).toHaveLength(3);
  });

  it('shard-runner - a dead disposition goes to the DLQ at once and is never redelivered', async () => {
    await freshRegion();
    await publish(1, 2, 'msg');
    const handled: number[] = [];
    const r = runner(async (_s, batch) =>
      batch.map((m): Verdict => {
        handled.push(payload(m).i);
        return payload(m).i === 0 ? { kind: 'terminal', reason: 'invalid event: kind\nrequired' } : { kind: 'ok' };
      }),
    );
    r.start(1);
    const dead = streamNames(region).dead;
    await expect.poll(async () => (await jsm.streams.info(dead)).state.messages, { timeout: 15_000, interval: 25, message: 'dead-lettered' }).toBe(1);
    const copy = (await jsm.streams.getMessage(dead, { seq: 1 }))!;
    expect(copy.subject).toBe(`wadlq.${region}.1`);
    expect(copy.header.get('Wa-Dead-Reason')).toBe('invalid event: kind required');
    expect(copy.header.get('Wa-Dead-Subject')).toBe(`wa.${region}.msg.1`);
    await expect.poll(async () => (await consumerState(1)).ackPending, { timeout: 15_000, interval: 25, message: 'settled' }).toBe(0);
    expect(handled).toEqual([0, 1]);
  });

  it('shard-runner - a failed dead-letter publish naks instead of terming, so nothing is lost', async () => {
    await freshRegion();
    await publish(0, 1);
    let attempts = 0;
    const r = runner(async (_s, batch) => batch.map(() => ({ kind: 'terminal', reason: 'poison' })), {
      deadLetterer: {
        async deadLetter() {
          attempts++;
          throw new Error('no DLQ stream');
        },
      },
    });
    r.start(0);
    await expect.poll(() => attempts, { timeout: 15_000, interval: 25, message: 'retried' }).toBeGreaterThanOrEqual(2);
    await r.stop(0);
    // still there, waiting for redelivery
    expect((await consumerState(0)).ackPending + (await consumerState(0)).pending).toBe(1);
  });

  it('shard-runner - a throwing handler naks the batch and the loop keeps going', async () => {
    await freshRegion();
    await publish(0, 4);
    let calls = 0;
    const acked: number[] = [];
    const r = runner(async (_s, batch) => {
      calls++;
      if (calls === 1) throw new Error('boom');
      for (const m of batch) acked.push(payload(m).i);
      return batch.map(() => ({ kind: 'ok' }));
    });
    r.start(0);
    await expect.poll(() => acked.length, { timeout: 15_000, interval: 25, message: 'redelivered and acked' }).toBe(4);
    expect(acked.sort()).toEqual([0, 1, 2, 3]);
    expect(quiet.errors.length).toBeGreaterThan(0);
  });

  it('shard-runner - stop() finishes and acks the in-flight batch, then stops fetching; start() resumes', async () => {
    await freshRegion();
    await publish(0, 5);
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const handled: number[] = [];
    let inHandler = false;
    const r = runner(async (_s, batch) => {
      inHandler = true;
      await gate;
      for (const m of batch) handled.push(payload(m).i);
      return batch.map(() => ({ kind: 'ok' }));
    });
    r.start(0);
    await expect.poll(() => inHandler, { timeout: 15_000, interval: 25, message: 'in handler' }).toBe(true);
    const stopped = r.stop(0);
    expect(r.owned()).toEqual([]);
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await sleep(100);
    expect(done).toBe(false); // waits for the batch
    release();
    await stopped;
    const afterStop = handled.length;
    expect(afterStop).toBeGreaterThan(0);
    // acks flushed before stop() resolved
    expect((await consumerState(0)).ackPending).toBe(0);
    await publish(0, 3, 'status', 5);
    await sleep(300);
    expect(handled.length).toBe(afterStop);
    r.start(0);
    await expect.poll(() => handled.length, { timeout: 15_000, interval: 25, message: 'rest handled' }).toBe(8);
    expect(handled).toEqual([...Array(8).keys()]);
  });

  it('shard-runner - a handler slower than ack_wait keeps its batch (working()), no redelivery', async () => {
    region = `r${++regionNo}`;
    await ensureTopology(
      nc,
      regionTopology({ region, shards: SHARDS, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000, ackWaitMs: 1_000 }),
    );
    await publish(0, 3);
    const deliveries: number[] = [];
    const r = runner(async (_s, batch) => {
      for (const m of batch) deliveries.push(m.info.deliveryCount);
      await sleep(2_500);
      return batch.map(() => ({ kind: 'ok' }));
    });
    r.start(0);
    await expect.poll(async () => deliveries.length === 3 && (await consumerState(0)).ackPending === 0, { timeout: 15_000, interval: 25, message: 'acked' }).toBe(true);
    expect(deliveries).toEqual([1, 1, 1]);
  });

  it('shard-runner - a missing consumer is logged and retried, never thrown; it recovers once the consumer exists', async () => {
    await freshRegion({ consumers: false });
    await publish(0, 2);
    const before = quiet.errors.length;
    const handled: number[] = [];
    const r = runner(async (_s, batch) => {
      for (const m of batch) handled.push(payload(m).i);
      return batch.map(() => ({ kind: 'ok' }));
    });
    r.start(0);
    await expect.poll(() => quiet.errors.length, { timeout: 15_000, interval: 25, message: 'errors logged' }).toBeGreaterThanOrEqual(before + 2);
    await addConsumer(0);
    await expect.poll(() => handled.length, { timeout: 15_000, interval: 25, message: 'handled' }).toBe(2);
  });

  it('shard-runner - start/stop individual shards; owned() and lag() follow', async () => {
    await freshRegion();
    await publish(1, 20);
    let release: () => void = () => {};
    const gate = new Promise<void>((res) => {
      release = res;
    });
    const r = runner(async (_s, batch) => {
      await gate;
      return batch.map(() => ({ kind: 'ok' }));
    });
    expect(() => r.start(SHARDS)).toThrow(RangeError);
    r.start(1);
    r.start(1); // idempotent
    expect(r.owned()).toEqual([1]);
    await expect.poll(async () => (await r.lag()).get(1), { timeout: 15_000, interval: 25, message: 'lag visible' }).toBe(12);
    expect([...(await r.lag()).keys()]).toEqual([1]);
    release();
    await expect.poll(async () => (await r.lag()).get(1), { timeout: 15_000, interval: 25, message: 'drained' }).toBe(0);
    r.start(0);
    expect(r.owned()).toEqual([0, 1]);
    await r.stop(1);
    expect(r.owned()).toEqual([0]);
    await r.stopAll();
    expect(r.owned()).toEqual([]);
    void ackAll;
  });
});
