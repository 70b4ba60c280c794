// An ingress wired to a real nats-server, for tests (not exported), and its vitest fixture.
import { Writable } from 'node:stream';
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, createPublisher, ensureTopology, regionTopology, silentLogger } from '@wamesh/bus';
import { buildWebhook, type EntrySpec, type Split, signBody, streamNames } from '@wamesh/core';
import type { NatsMesh } from '@wamesh/nats-harness';
import { natsTest } from '@wamesh/nats-harness/vitest';
import { createLogger, createMetrics, type Metrics } from '@wamesh/telemetry';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from './app.ts';
import { natsReadiness } from './readiness.ts';

export const SECRET = 'test-app-secret';
export const OLD_SECRET = 'rotated-out-secret';
export const VERIFY_TOKEN = 'test-verify-token';
export const RECEIVED_AT = 1_760_000_000_123;

export interface FixtureOptions {
  region?: string;
  shards?: number;
  bodyLimitBytes?: number;
  publishTimeoutMs?: number;
  /** MAX_IN_FLIGHT (default the ingress's). */
  maxInFlight?: number;
  disconnectedGraceMs?: number;
  /** The body parser (default core's splitWebhook): a test runs an older one to fill the quarantine. */
  split?: (json: unknown, shards: number) => Split;
  /** Provision the region's streams (default true). */
  provision?: boolean;
  logLevel?: string;
  /** Pin the receive time (default RECEIVED_AT); pass Date.now for real time. */
  now?: () => number;
}

export interface IngressFixture {
  app: FastifyInstance;
  nc: NatsConnection;
  metrics: Metrics;
  region: string;
  shards: number;
  stream: string;
  /** Parsed log lines written by the app. */
  logs: Record<string, unknown>[];
  /** Raw log text, to check that nothing secret was ever written. */
  logText(): string;
  /** Signed POST /webhook through inject(). */
  post(body: string | Buffer, headers?: Record<string, string | string[]>): Promise<LightMyRequestResponse>;
  /** Every message of the region's input stream (or of the named stream), in order. */
  messages(stream?: string): Promise<StoredMsg[]>;
  /** The region's field events and quarantined bodies. */
  fields(): Promise<StoredMsg[]>;
  quarantined(): Promise<StoredMsg[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function startIngress(mesh: NatsMesh, opts: FixtureOptions = {}): Promise<IngressFixture> {
  const region = opts.region ?? 'test';
  const shards = opts.shards ?? 16;
  const stream = streamNames(region).input;
  const nc = await connectNats({ servers: mesh.urls, name: `ingress-test ${region}` }, silentLogger, {
    overrides: { reconnectTimeWait: 100, reconnectJitter: 50 },
  });
  if (opts.provision !== false) {
    await ensureTopology(
      nc,
      regionTopology({ region, shards, replicas: 1, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000 }),
    );
  }
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ service: 'wamesh-ingress', region, level: opts.logLevel ?? 'info', destination });
  const metrics = createMetrics({ service: 'wamesh-ingress', region, defaultMetrics: false });
  const app = buildApp({
    config: {
      region,
      shards,
      appSecrets: [OLD_SECRET, SECRET],
      verifyToken: VERIFY_TOKEN,
      bodyLimitBytes: opts.bodyLimitBytes ?? 1_048_576,
      ...(opts.maxInFlight === undefined ? {} : { maxInFlight: opts.maxInFlight }),
    },
    publisher: createPublisher(nc, {
      timeoutMs: opts.publishTimeoutMs ?? 5_000,
      disconnectedGraceMs: opts.disconnectedGraceMs ?? 1_000,
    }),
    readiness: natsReadiness(nc, stream, 1_000),
    logger,
    metrics,
    now: opts.now ?? (() => RECEIVED_AT),
    ...(opts.split ? { split: opts.split } : {}),
  });
  await app.ready();
  const jsm = await jetstreamManager(nc);
  const names = streamNames(region);
  async function allMessages(name: string): Promise<StoredMsg[]> {
    const info = await jsm.streams.info(name);
    const out: StoredMsg[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (m) out.push(m);
    }
    return out;
  }

  return {
    app,
    nc,
    metrics,
    region,
    shards,
    stream,
    get logs() {
      return chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => chunks.join(''),
    post: (body, headers = {}) =>
      app.inject({
        method: 'POST',
        url: '/webhook',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET), ...headers },
      }),
    messages: (name = stream) => allMessages(name),
    fields: () => allMessages(names.fields),
    quarantined: () => allMessages(names.quarantine),
    async count() {
      return (await jsm.streams.info(stream)).state.messages;
    },
    async close() {
      await app.close();
      await nc.close();
    },
  };
}

/**
 * natsTest (`nats`, `nc`, `jsm`) with `ingress`: one ingress per file on the file's server,
 * built at the first test that asks for it and closed after the file's last test. A file
 * sets its options once: `ingressTest.override('ingressOptions', { region: 'eu-west', … })`.
 */
export const ingressTest = natsTest
  .extend('ingressOptions', { scope: 'file' }, {} as FixtureOptions)
  .extend('ingress', { scope: 'file' }, async ({ nats, ingressOptions }, { onCleanup }): Promise<IngressFixture> => {
    const f = await startIngress(nats, ingressOptions);
    onCleanup(() => f.close());
    return f;
  });

/** A webhook body (JSON text) of n inbound messages and m statuses, unique per tag. */
export function webhookBody(tag: string, n: number, m: number, phoneNumberId = '106540352242922'): string {
  const entry: EntrySpec = {
    wabaId: '102290129340398',
    changes: [
      {
        phoneNumberId,
        messages: Array.from({ length: n }, (_, i) => ({
          from: `4917${tag.length}${i}0000${i}`,
          id: `wamid.in.${tag}.${i}`,
          timestamp: 1_760_000_000 + i,
          text: `hello ${i}`,
          name: `User ${i}`,
        })),
        statuses: Array.from({ length: m }, (_, i) => ({
          id: `wamid.out.${tag}.${i}`,
          status: i % 2 ? 'read' : 'delivered',
          timestamp: 1_760_000_100 + i,
          recipientId: `4917${i}`,
        })),
      },
    ],
  };
  return JSON.stringify(buildWebhook([entry]));
}
