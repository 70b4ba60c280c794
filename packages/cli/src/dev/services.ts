import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
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

async function answers(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status;
  } catch {
    return undefined;
  }
}

/** Waits until the service's /readyz (or, if it has none, /healthz) answers 200. */
export async function waitReady(base: string, isRunning: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning()) throw new Error('exited while starting');
    const ready = await answers(`${base}/readyz`);
    if (ready === 200) return;
    if (ready === 404 && (await answers(`${base}/healthz`)) === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (${base}/readyz)`);
    await sleep(100);
  }
}
