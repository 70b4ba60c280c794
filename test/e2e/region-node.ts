// One region of the e2e mesh, wired the way the services' mains wire it: an ingress
// (buildApp) listening on a real socket and a consumer worker (buildWorker, shard leases),
// each on its own connection to its own region's servers only, both writing their log
// lines into memory so a test can see which region handled what.
import { Writable } from 'node:stream';
import { buildWorker, type Worker } from '@wamesh/consumer';
import { buildApp } from '@wamesh/ingress';
import type { NatsMesh } from '@wamesh/nats-harness';
// Not dependencies of the root package: loaded from their sources (as test/deploy does).
import { createPublisher } from '../../packages/bus/src/index.ts';
import { signBody } from '../../packages/core/src/index.ts';
import { createStore, type StateStore } from '../../packages/store/src/index.ts';
import { createLogger, createMetrics } from '../../packages/telemetry/src/index.ts';

/** vi.waitFor's 1 s default is too short for a mesh of real servers: the e2e waits take 20 s. */
export const WAIT = { timeout: 20_000 };

export type LogLine = Record<string, unknown> & { msg?: string; region?: string; trace_id?: string; span_id?: string };

export interface RegionNode {
  region: string;
  /** POST /webhook URL of this region's ingress. */
  webhookUrl: string;
  worker: Worker;
  ingressLogs(): LogLine[];
  consumerLogs(): LogLine[];
  /** A signed webhook POSTed over HTTP to this region's ingress; resolves with status and body. */
  post(body: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export interface RegionNodeOptions {
  mesh: NatsMesh;
  region: string;
  shards: number;
  appSecret: string;
}

export async function startRegionNode(opts: RegionNodeOptions): Promise<RegionNode> {
  const { mesh, region, shards } = opts;
  const servers = mesh.regions[region];
  if (!servers) throw new Error(`no region ${region} in the mesh`);
  // Separate connections, like separate processes; closed by mesh.stop() as well.
  const ingressNc = await mesh.connect({ servers, name: `e2e ingress ${region}` });
  const consumerNc = await mesh.connect({ servers, name: `e2e consumer ${region}` });
  const ingressLog = lineSink();
  const consumerLog = lineSink();
  const app = buildApp({
    config: { region, shards, appSecrets: [opts.appSecret], verifyToken: 'e2e-verify', bodyLimitBytes: 1 << 20 },
    publisher: createPublisher(ingressNc, { timeoutMs: 10_000 }),
    readiness: async () => ({ ready: true, checks: {} }),
    // debug: a plain 200's "webhook stored" line (with its trace_id) is a debug line.
    logger: createLogger({ service: 'wamesh-ingress', region, level: 'debug', destination: ingressLog.stream }),
    metrics: createMetrics({ service: 'wamesh-ingress', region, defaultMetrics: false }),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  // The default store (kv, prefix `wamesh`): every region writes the same buckets, which
  // live somewhere in the super-cluster and are reached through the gateways.
  const store: StateStore = createStore({ nc: consumerNc });
  const worker = buildWorker({
    config: { region, shards, batch: { size: 64, maxWaitMs: 20 }, maxDeliveries: 5, http: { port: 0, host: '127.0.0.1' } },
    nc: consumerNc,
    store,
    logger: createLogger({ service: 'wamesh-consumer', region, level: 'info', destination: consumerLog.stream }),
    metrics: createMetrics({ service: 'wamesh-consumer', region, defaultMetrics: false }),
    leases: { ttlMs: 10_000, memberId: `e2e-${region}` },
    tuning: { runner: { idlePollMs: 1_000, retry: { initialMs: 50, maxMs: 500 }, nak: { initialMs: 100, maxMs: 1_000 } } },
  });
  try {
    await worker.start();
  } catch (err) {
    await app.close();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    region,
    webhookUrl: `${address}/webhook`,
    worker,
    ingressLogs: ingressLog.lines,
    consumerLogs: consumerLog.lines,
    async post(body) {
      const res = await fetch(`${address}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, opts.appSecret) },
        body,
      });
      return { status: res.status, body: await res.text() };
    },
    stop() {
      stopped ??= (async () => {
        // Each step runs even if an earlier one fails; the first failure is reported.
        const results = await Promise.allSettled([app.close(), worker.stop().then(() => store.close())]);
        await Promise.allSettled([ingressNc.close(), consumerNc.close()]);
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopped;
    },
  };
}

function lineSink(): { stream: Writable; lines: () => LogLine[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}
