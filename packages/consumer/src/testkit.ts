// Test helpers for the consumer's integration tests (real nats-server, kv store): topology,
// events made the way the ingress makes them, a worker with short timings or the consumer
// as a real process, shard consumer totals, and the reference join to compare stored state
// with. No vitest here (the bench imports it); shared assertions are in testkit.vitest.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type JetStreamManager, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { createPublisher, ensureTopology, regionTopology } from '@wamesh/bus';
import { decodeFeedRecord, type FeedEntry } from '@wamesh/client';
import {
  type Envelope,
  type EventLogEntry,
  type EventMeta,
  type InboundSpec,
  type MessageEvent,
  type StatusEvent,
  type StatusSpec,
  seededRandom,
  shuffled,
  streamNames,
  webhookEvents,
} from '@wamesh/core';
import { freePorts } from '@wamesh/nats-harness';
import { bucketNames, createStore, eventRowsSubject, type StateStore } from '@wamesh/store';
import { createLogger, createMetrics, type Logger } from '@wamesh/telemetry';
import { buildWorker, type Worker, type WorkerDeps } from './worker.ts';

/** Expected documents: core's reference join of every envelope (conversations by `phoneNumberId/waId`). */
export { referenceState } from '@wamesh/core';

export const BUSINESS = '106540352242922';
export const WABA = '102290129340398';

/** The region's streams, shard consumers and lease bucket as production has them (ack wait = lease TTL unless given). */
export async function provisionRegion(
  nc: NatsConnection,
  region: string,
  shards: number,
  ackWaitMs?: number,
  leaseTtlMs = 10_000,
): Promise<void> {
  await ensureTopology(
    nc,
    regionTopology({
      region,
      shards,
      replicas: 1,
      duplicateWindowMs: 120_000,
      maxAgeMs: 3_600_000,
      leaseTtlMs,
      ...(ackWaitMs === undefined ? {} : { ackWaitMs }),
    }),
  );
}

export function statusEnvelope(
  spec: Omit<StatusSpec, 'recipientId'> & { recipientId?: string },
  shards: number,
  meta: Partial<EventMeta> & { region: string },
): Envelope<StatusEvent> {
  const { recipientId = '16315551181', ...rest } = spec;
  const [event] = webhookEvents([{ wabaId: WABA, changes: [{ phoneNumberId: BUSINESS, statuses: [{ ...rest, recipientId }] }] }], shards);
  return { event: event as StatusEvent, meta: { receivedAt: Date.now(), ...meta } };
}

export function inboundEnvelope(
  spec: InboundSpec,
  shards: number,
  meta: Partial<EventMeta> & { region: string },
): Envelope<MessageEvent> {
  const [event] = webhookEvents([{ wabaId: WABA, changes: [{ phoneNumberId: BUSINESS, messages: [spec] }] }], shards);
  return { event: event as MessageEvent, meta: { receivedAt: Date.now(), ...meta } };
}

export interface LifecycleOptions {
  /** Part of every wamid (`wamid.<tag>.<k>`), so workloads of one file do not collide. */
  tag: string;
  /** Keys [from, from + keys). */
  from?: number;
  keys: number;
  shards: number;
  region: string;
  /** WhatsApp time of key 0's first status. */
  t0: number;
  seed: number;
}

/** Status lifecycles (sent, delivered, read, failed: 1 + k % 4 of them per key), shuffled so inversions abound. */
export function statusLifecycles(o: LifecycleOptions): Envelope[] {
  const ladder = ['sent', 'delivered', 'read', 'failed'] as const;
  const out: Envelope[] = [];
  const from = o.from ?? 0;
  for (let k = from; k < from + o.keys; k++) {
    for (let i = 0; i < 1 + (k % 4); i++) {
      out.push(statusEnvelope({ id: `wamid.${o.tag}.${k}`, status: ladder[i]!, timestamp: o.t0 + k + i }, o.shards, { region: o.region }));
    }
  }
  return shuffled(out, seededRandom(o.seed));
}

/** Publishes through the bus publisher (the ingress's path), in the order given. */
export async function publishAll(nc: NatsConnection, envelopes: Envelope[], chunk = 200): Promise<void> {
  const publisher = createPublisher(nc, { timeoutMs: 10_000 });
  for (let i = 0; i < envelopes.length; i += chunk) await publisher.publish(envelopes.slice(i, i + chunk));
}

export function quietLogger(): Logger {
  return createLogger({ service: 'wamesh-consumer-test', region: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export interface TestWorkerOptions {
  nc: NatsConnection;
  region: string;
  shards: number;
  /** Connection the kv store uses (default nc): a second server lets a test stop the store alone. */
  storeNc?: NatsConnection;
  /** KV bucket prefix, unique per test so tests never share state. */
  prefix: string;
  store?: StateStore;
  logger?: Logger;
  batchSize?: number;
  maxDeliveries?: number;
  tracer?: WorkerDeps['tracer'];
}

export interface TestWorker {
  worker: Worker;
  store: StateStore;
  stop(): Promise<void>;
}

/** A worker on 127.0.0.1:0 with fast polling and naks; stop() also closes its store. */
export async function startTestWorker(opts: TestWorkerOptions): Promise<TestWorker> {
  const store = opts.store ?? createStore({ nc: opts.storeNc ?? opts.nc, kvPrefix: opts.prefix });
  const deps: WorkerDeps = {
    config: {
      region: opts.region,
      shards: opts.shards,
      batch: { size: opts.batchSize ?? 64, maxWaitMs: 20 },
      maxDeliveries: opts.maxDeliveries ?? 5,
      http: { port: 0, host: '127.0.0.1' },
    },
    nc: opts.nc,
    store,
    logger: opts.logger ?? quietLogger(),
    metrics: createMetrics({ service: 'wamesh-consumer', region: opts.region, defaultMetrics: false }),
    tuning: { runner: { idlePollMs: 1_000, retry: { initialMs: 50, maxMs: 500 }, nak: { initialMs: 100, maxMs: 1_000 } } },
  };
  if (opts.tracer) deps.tracer = opts.tracer;
  const worker = buildWorker(deps);
  await worker.start();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    store,
    stop() {
      stopped ??= (async () => {
        await worker.stop();
        if (!opts.store) await store.close();
      })();
      return stopped;
    },
  };
}

export interface ConsumerProcess {
  child: ChildProcess;
  /** Its metrics and health HTTP port on 127.0.0.1. */
  port: number;
  /** The last 20 kB it wrote to stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
  /** GET on its HTTP port; undefined while it does not answer (within 2 s). */
  get(path: string): Promise<{ status: number; body: string } | undefined>;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The consumer as a real process (main.ts) on a free port, with PATH and `env` as its whole environment. */
export async function spawnConsumer(env: Record<string, string>): Promise<ConsumerProcess> {
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  async function get(path: string): Promise<{ status: number; body: string } | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
      return { status: res.status, body: await res.text() };
    } catch {
      return undefined;
    }
  }
  return { child, port: port!, output: () => out, exited, get };
}

/** Messages of the region's shard consumers, summed over every shard. */
export async function shardTotals(
  jsm: JetStreamManager,
  region: string,
  shards: number,
): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  const totals = { pending: 0, ackPending: 0, redelivered: 0 };
  for (let s = 0; s < shards; s++) {
    const info = await jsm.consumers.info(streamNames(region).input, `shard-${s}`);
    totals.pending += info.num_pending;
    totals.ackPending += info.num_ack_pending;
    totals.redelivered += info.num_redelivered;
  }
  return totals;
}

/** Every event-log row, found through the timelines of the given wamids (each event has one wamid). */
export async function loggedRows(store: StateStore, wamids: Iterable<string>): Promise<EventLogEntry[]> {
  const rows: EventLogEntry[] = [];
  for (const wamid of new Set(wamids)) {
    for (const e of await store.timeline(wamid)) if (e.wamid === wamid) rows.push(e);
  }
  return rows;
}

/** The event ids of loggedRows. */
export async function loggedEvents(store: StateStore, wamids: Iterable<string>): Promise<string[]> {
  return (await loggedRows(store, wamids)).map((e) => e.eventId);
}

/**
 * The change feed a kv store under `prefix` committed, in commit order: the rows of its
 * events bucket's stream read as apps read them (client's decodeFeedRecord; a duplicate's
 * row is no entry). An undecodable row throws.
 */
export async function feedEntries(nc: NatsConnection, prefix: string): Promise<FeedEntry[]> {
  const consumer = await jetstream(nc).consumers.get(`KV_${bucketNames(prefix).events}`, { filter_subjects: eventRowsSubject(prefix) });
  // An empty feed delivers nothing: the fetch ends when it expires.
  const messages = await consumer.fetch({ max_messages: 100_000, expires: 1_000 });
  const entries: FeedEntry[] = [];
  try {
    for await (const m of messages) {
      const record = decodeFeedRecord(m.data);
      if ('invalid' in record) throw new Error(`feed row ${m.seq} (${m.subject}): ${record.invalid}`);
      if ('entry' in record) entries.push(record.entry);
      if (m.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
  return entries;
}
