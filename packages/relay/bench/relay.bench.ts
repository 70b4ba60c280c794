// pnpm bench:relay — the relay against a local receiver (own process, answering after
// BENCH_RECEIVER_MS, default 5), in one run:
//   (a) per-key FIFO, concurrency C, many keys
//   (b) unordered, same concurrency: the same relay with every entry its own key (upper bound)
//   (c) one delivery in flight at a time (what a single ordered worker gives)
// Peak: the whole backlog already in the feed, deliveries/s until the last 2xx. Latency:
// commit→2xx p50/p99 with entries committed at half of (a)'s peak. (a) and (b) run again
// without delivery records (what `wamesh trace` shows), for their cost. Not a timed test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ensureTopology, silentLogger } from '@wamesh/bus';
import type { FeedEntry } from '@wamesh/client';
import { startServer } from '@wamesh/nats-harness';
import { percentile } from '../../ingress/bench/stats.ts';
import { endpointSchema } from '../src/endpoint.ts';
import { type FeedSource, jetStreamFeedSource, type Resume } from '../src/feed-source.ts';
import { buildRelay } from '../src/relay.ts';
import { relayTopology } from '../src/topology.ts';

const KEYS = Number(process.env.BENCH_KEYS ?? 2_000);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PACED_S = Number(process.env.BENCH_PACED_S ?? 8);
const RECEIVER_MS = Number(process.env.BENCH_RECEIVER_MS ?? 5);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

type Mode = 'a' | 'b' | 'c';
let run = 0;

function entry(i: number, key: string): FeedEntry {
  const now = Date.now();
  return {
    id: `bench-${run}-${i}`,
    kind: 'message.received',
    key,
    seq: i + 1,
    region: 'eu',
    whatsappTime: Math.floor(now / 1000),
    receivedAt: now,
    committedAt: now,
    phoneNumberId: '1000',
    event: { from: key, id: `wamid.${i}`, type: 'text', text: { body: 'hello from the bench' } },
  };
}

/** (b): every entry its own key, so nothing waits for an earlier entry of its key. */
const unordered = <R extends Resume>(source: FeedSource<R>): FeedSource<R> => ({
  ...source,
  async *read(after, signal) {
    for await (const rec of source.read(after, signal)) yield 'entry' in rec ? { ...rec, entry: { ...rec.entry, key: rec.entry.id } } : rec;
  },
});

async function newFeed(nc: NatsConnection) {
  run++;
  const stream = `BENCHFEED_${run}`;
  const subject = `benchfeed${run}.e`;
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [subject] });
  return { stream, subject, js: jetstream(nc) };
}

async function startRelay(nc: NatsConnection, feed: { stream: string; subject: string }, mode: Mode, url: string, onDelivered: (e: FeedEntry) => void, recordDeliveries = true) {
  const source = jetStreamFeedSource(nc, feed);
  const relay = buildRelay({
    nc,
    source: mode === 'b' ? unordered(source) : source,
    endpoints: [endpointSchema.parse({ name: `bench${run}${mode}`, url, secrets: [SECRET], concurrency: mode === 'c' ? 1 : CONCURRENCY })],
    partitions: 1,
    leaseTtlMs: 5_000,
    logger: silentLogger,
    observer: { finished: (_ep, item, how) => how === 'delivered' && onDelivered(item.entry) },
    recordDeliveries,
  });
  await relay.start();
  return relay;
}

/** Deliveries/s, and the relay's CPU per delivery in µs (the steadier measure on a shared machine). */
async function peak(nc: NatsConnection, mode: Mode, url: string, n: number, recordDeliveries = true): Promise<{ rate: number; cpuUs: number }> {
  const feed = await newFeed(nc);
  for (let i = 0; i < n; i += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, n - i) }, (_, j) => feed.js.publish(feed.subject, JSON.stringify(entry(i + j, `conv:1000:${(i + j) % KEYS}`)))));
  }
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((r) => {
    finish = r;
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const relay = await startRelay(nc, feed, mode, url, () => ++done === n && finish(), recordDeliveries);
  await all;
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await relay.stop();
  return { rate, cpuUs: (cpu.user + cpu.system) / n };
}

async function paced(nc: NatsConnection, mode: Mode, url: string, rate: number): Promise<{ p50: number; p99: number; n: number }> {
  const feed = await newFeed(nc);
  const latencies: number[] = [];
  const relay = await startRelay(nc, feed, mode, url, (e) => latencies.push(Date.now() - e.committedAt));
  const total = Math.floor(rate * PACED_S);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    void feed.js.publish(feed.subject, JSON.stringify(entry(i, `conv:1000:${i % KEYS}`)));
  }
  while (latencies.length < total) await new Promise((r) => setTimeout(r, 50));
  await relay.stop();
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: total };
}

const mesh = await startServer();
const receiver = spawn(process.execPath, [new URL('./receiver.ts', import.meta.url).pathname, String(RECEIVER_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const [line] = (await once(receiver.stdout!, 'data')) as [Buffer];
  const url = line.toString().trim();
  const nc = await mesh.connect();
  await ensureTopology(nc, relayTopology({ replicas: 1, leaseTtlMs: 5_000 }));
  console.log(`relay bench: ${ENTRIES} entries over ${KEYS} keys, concurrency ${CONCURRENCY}, receiver ${url} answering after ${RECEIVER_MS} ms`);
  await peak(nc, 'a', url, Math.min(ENTRIES, 2_000)); // warm-up: JIT, connections
  // With and without records in the order a, a0, b0, b: a drift of the machine's load hits both sides alike.
  const a = await peak(nc, 'a', url, ENTRIES);
  const a0 = await peak(nc, 'a', url, ENTRIES, false);
  const b0 = await peak(nc, 'b', url, ENTRIES, false);
  const b = await peak(nc, 'b', url, ENTRIES);
  const { rate: c } = await peak(nc, 'c', url, Math.max(1_000, Math.floor(ENTRIES / 10)));
  const lat = await paced(nc, 'a', url, a.rate / 2);
  const f = (x: number) => x.toFixed(0).padStart(7);
  const pct = (x: number, base: number) => `${x >= base ? '+' : ''}${((x / base - 1) * 100).toFixed(1)}%`;
  console.log(`(a) per-key FIFO      ${f(a.rate)} deliveries/s`);
  console.log(`(b) unordered         ${f(b.rate)} deliveries/s`);
  console.log(`(c) one in flight     ${f(c)} deliveries/s`);
  console.log(`a/b ${(a.rate / b.rate).toFixed(2)}   a/c ${(a.rate / c).toFixed(1)}`);
  console.log(`without delivery records: (a) ${f(a0.rate).trim()}/s, (b) ${f(b0.rate).trim()}/s, a/b ${(a0.rate / b0.rate).toFixed(2)}`);
  console.log(
    `relay CPU per delivery with records / without: (a) ${a.cpuUs.toFixed(0)} / ${a0.cpuUs.toFixed(0)} µs (${pct(a.cpuUs, a0.cpuUs)}), ` +
      `(b) ${b.cpuUs.toFixed(0)} / ${b0.cpuUs.toFixed(0)} µs (${pct(b.cpuUs, b0.cpuUs)})`,
  );
  console.log(`(a) at ${(a.rate / 2).toFixed(0)}/s (half of peak), ${lat.n} entries: commit->2xx p50 ${lat.p50.toFixed(0)} ms, p99 ${lat.p99.toFixed(0)} ms`);
  await nc.drain();
} finally {
  receiver.kill();
  await mesh.stop();
}
