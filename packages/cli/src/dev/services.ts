import { join } from 'node:path';
import { sleep } from '@wamesh/bus';
import { INGRESS_MAIN, INGRESS_NODE_FLAGS } from '@wamesh/ingress';
import { repoRoot } from '../paths.ts';
import type { ChildSpec } from './supervisor.ts';
import { type DevConfig, logDir, type RegionPlan } from './plan.ts';

function common(cfg: DevConfig, r: RegionPlan, natsUrl: string): Record<string, string> {
  return {
    ...cfg.baseEnv,
    WAMESH_REGION: r.region,
    WAMESH_SHARDS: String(cfg.shards),
    NATS_URLS: natsUrl,
    HOST: '127.0.0.1',
    LOG_LEVEL: cfg.logLevel,
  };
}

/** The ingress of a region, as the Dockerfile runs it, with the dev mesh's settings. */
export function ingressSpec(cfg: DevConfig, r: RegionPlan, natsUrl: string): ChildSpec {
  return {
    name: `ingress ${r.region}`,
    command: process.execPath,
    args: [...INGRESS_NODE_FLAGS, INGRESS_MAIN],
    cwd: repoRoot,
    env: {
      OTEL_SERVICE_NAME: 'wamesh-ingress',
      ...common(cfg, r, natsUrl),
      PORT: String(r.ingressPort),
      WA_APP_SECRETS: cfg.appSecret,
      WA_VERIFY_TOKEN: cfg.verifyToken,
    },
    logFile: join(logDir(cfg.home), `ingress-${r.region}.log`),
  };
}

export function consumerSpec(cfg: DevConfig, r: RegionPlan, natsUrl: string): ChildSpec {
  const env: Record<string, string> = {
    OTEL_SERVICE_NAME: 'wamesh-consumer',
    ...common(cfg, r, natsUrl),
    PORT: String(r.consumerPort),
    STORE: cfg.store,
    MONGODB_DB: cfg.mongoDb,
  };
  if (cfg.store === 'mongo' && cfg.mongoUri) env.MONGODB_URI = cfg.mongoUri;
  return {
    name: `consumer ${r.region}`,
    command: process.execPath,
    args: [join(repoRoot, 'packages', 'consumer', 'src', 'main.ts')],
    cwd: repoRoot,
    env,
    logFile: join(logDir(cfg.home), `consumer-${r.region}.log`),
  };
}

/** Endpoint names of the dev relay, in flag order: what `wamesh relay dlq --endpoint` takes. */
export const devEndpointName = (i: number): string => `dev-${i + 1}`;

/** The mesh's one relay: reads the kv store's event log through the first region's NATS. */
export function relaySpec(cfg: DevConfig, metricsPort: number, natsUrl: string): ChildSpec {
  const { holdMs } = cfg.relay;
  const endpoints = cfg.relay.endpoints.map((url, i) => ({
    name: devEndpointName(i),
    url,
    secrets: [cfg.relay.secret],
    ...(holdMs ? { holdMs } : {}),
  }));
  return {
    name: 'relay',
    command: process.execPath,
    args: [join(repoRoot, 'packages', 'relay', 'src', 'main.ts')],
    cwd: repoRoot,
    env: {
      ...cfg.baseEnv,
      OTEL_SERVICE_NAME: 'wamesh-relay',
      NATS_URLS: natsUrl,
      LOG_LEVEL: cfg.logLevel,
      METRICS_PORT: String(metricsPort),
      RELAY_ENDPOINTS: JSON.stringify(endpoints),
      // With the mongo store the feed is its event log's change stream (RELAY_FEED follows).
      ...(cfg.mongoUri ? { MONGODB_URI: cfg.mongoUri, MONGODB_DB: cfg.mongoDb } : {}),
    },
    logFile: join(logDir(cfg.home), 'relay.log'),
  };
}

async function answers(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  }
}

/** What a service serves to say it is up, best first: the first one it has must answer 200. */
const PROBES = ['/readyz', '/healthz', '/metrics'];

/** Waits until the service's /readyz (or, if it has none, /healthz; the relay has only /metrics) answers 200. */
export async function waitReady(base: string, isRunning: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning()) throw new Error('exited while starting');
    for (const path of PROBES) {
      const status = await answers(`${base}${path}`);
      if (status === 200) return;
      if (status !== 404) break;
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (${base}/readyz)`);
    await sleep(100);
  }
}
