// Test fixtures of the relay: a feed stream to publish entries into, real HTTP receivers
// that verify each delivery's signature, and a relay wired as main.ts wires it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ensureTopology, silentLogger, sleep } from '@wamesh/bus';
import { type FeedEntry, verifyWebhook } from '@wamesh/client';
import { natsTest } from '@wamesh/nats-harness/vitest';
import { type EndpointInput, endpointSchema } from './endpoint.ts';
import { jetStreamFeedSource } from './feed-source.ts';
import { buildRelay, type Relay } from './relay.ts';
import { relayTopology } from './topology.ts';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const LEASE_TTL_MS = 1_500;

export interface Delivery {
  entry: FeedEntry;
  headers: IncomingHttpHeaders;
  at: number;
  status: number;
}

export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

/** A receiver on 127.0.0.1: verifies, records, answers with `answer(entry, nth attempt of it)`. */
export class Receiver {
  readonly deliveries: Delivery[] = [];
  /** Keys seen with two requests in flight at once. */
  readonly overlaps: string[] = [];
  readonly rejectedSignatures: number[] = [];
  answer: (entry: FeedEntry, nth: number) => Answer = () => ({ status: 200 });
  private readonly inFlight = new Set<string>();
  private readonly seen = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        let entry: FeedEntry;
        try {
          entry = verifyWebhook(req.headers as Record<string, string>, Buffer.concat(chunks), [SECRET]);
        } catch {
          this.rejectedSignatures.push(Date.now());
          res.writeHead(401).end();
          return;
        }
        if (this.inFlight.has(entry.key)) this.overlaps.push(entry.key);
        this.inFlight.add(entry.key);
        const nth = (this.seen.get(entry.id) ?? 0) + 1;
        this.seen.set(entry.id, nth);
        const a = this.answer(entry, nth);
        if (a.delayMs) await sleep(a.delayMs);
        this.inFlight.delete(entry.key);
        this.deliveries.push({ entry, headers: req.headers, at: Date.now(), status: a.status });
        res.writeHead(a.status, a.headers).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Accepted deliveries (2xx), in the order they were answered. */
  accepted(): FeedEntry[] {
    return this.deliveries.filter((d) => d.status < 300).map((d) => d.entry);
  }

  /** Accepted seqs per key. */
  byKey(): Map<string, number[]> {
    const m = new Map<string, number[]>();
    for (const e of this.accepted()) m.set(e.key, [...(m.get(e.key) ?? []), e.seq]);
    return m;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

let feedNo = 0;

/** A fresh feed stream; `publish` appends entries in order and returns their cursors. */
export async function createFeed(nc: NatsConnection) {
  const n = ++feedNo;
  const stream = `FEEDTEST_${n}`;
  const subject = `feedtest${n}.entries`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`feedtest${n}.>`] });
  const js = jetstream(nc);
  return {
    stream,
    subject,
    async publish(...entries: (FeedEntry | string)[]): Promise<number[]> {
      const out: number[] = [];
      for (const e of entries) out.push((await js.publish(subject, typeof e === 'string' ? e : JSON.stringify(e))).seq);
      return out;
    },
  };
}

let entryNo = 0;

/** An entry of `key` with `seq`, committed now. */
export function feedEntry(key: string, seq: number, extra: Partial<FeedEntry> = {}): FeedEntry {
  const now = Date.now();
  return {
    id: `e${++entryNo}-${key}-${seq}`,
    kind: 'status.advanced',
    key,
    seq,
    region: 'eu',
    whatsappTime: Math.floor(now / 1000),
    receivedAt: now - 5,
    committedAt: now,
    phoneNumberId: '1000',
    event: { id: `wamid.${key}`, status: 'read' },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ...extra,
  };
}

let endpointNo = 0;

/** A relay over `feed` delivering to `url`, fast retry settings unless overridden. */
export async function startRelay(nc: NatsConnection, feed: { stream: string; subject: string }, endpoint: Partial<EndpointInput> & { url: string }, name?: string): Promise<{ relay: Relay; name: string }> {
  await ensureTopology(nc, relayTopology({ replicas: 1, leaseTtlMs: LEASE_TTL_MS }));
  const epName = name ?? `ep${++endpointNo}`;
  const config = endpointSchema.parse({ name: epName, secrets: [SECRET], retryInitialMs: 20, retryMaxMs: 200, timeoutMs: 2_000, ...endpoint });
  const relay = buildRelay({
    nc,
    source: jetStreamFeedSource(nc, feed),
    endpoints: [config],
    partitions: 1,
    leaseTtlMs: LEASE_TTL_MS,
    logger: silentLogger,
    saveEveryMs: 50,
    decisionPollMs: 50,
  });
  await relay.start();
  return { relay, name: epName };
}

/** What a relay test starts; everything is stopped after the test, relays before receivers. */
export interface Relays {
  /** A verifying receiver on 127.0.0.1. */
  receiver(): Promise<Receiver>;
  /** startRelay on the file's connection. */
  relayFor(feed: { stream: string; subject: string }, endpoint: Partial<EndpointInput> & { url: string }, name?: string): Promise<{ relay: Relay; name: string }>;
  /** Drops a relay as a crashed process would (no stop, its leases left to lapse). */
  abandon(relay: Relay): Promise<void>;
}

/** natsTest (`nats`, `nc`, `jsm`) with `relays`: the receivers and relays of one test. */
export const relayTest = natsTest.extend('relays', ({ nc }, { onCleanup }): Relays => {
  const relays: Relay[] = [];
  const receivers: Receiver[] = [];
  onCleanup(async () => {
    // Relays first: a receiver gone under a running relay would only make it retry.
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });
  return {
    async receiver() {
      const r = await new Receiver().start();
      receivers.push(r);
      return r;
    },
    async relayFor(feed, endpoint, name) {
      const started = await startRelay(nc, feed, endpoint, name);
      relays.push(started.relay);
      return started;
    },
    async abandon(relay) {
      relays.splice(relays.indexOf(relay), 1);
      await relay.abandon();
    },
  };
});
