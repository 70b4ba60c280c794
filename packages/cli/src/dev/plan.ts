import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { planMesh, type ServerSpec } from '@wamesh/nats-harness';
import { CliError } from '../errors.ts';
import type { PortClaim } from '../ports.ts';

/** Everything the mesh host needs, resolved by the front from flags and environment. */
export interface DevConfig {
  home: string;
  regions: string[];
  shards: number;
  portBase: number;
  appSecret: string;
  verifyToken: string;
  store: 'kv' | 'mongo';
  mongoUri?: string;
  mongoDb: string;
  natsBin: string;
  logLevel: string;
  /** The relay's endpoints (named dev-1, dev-2, … in this order) and the secret it signs with. */
  relay: { endpoints: string[]; secret: string; holdMs?: number };
  /** Environment the services start from (PATH, OTEL_*, ...). */
  baseEnv: Record<string, string>;
}

export interface RegionPlan {
  region: string;
  /** The region's NATS cluster (and gateway) name. */
  cluster: string;
  ingressPort: number;
  consumerPort: number;
  server: ServerSpec;
}

export interface DevPlan {
  regions: RegionPlan[];
  /** The relay's /metrics port. */
  relayPort: number;
  natsBasePort: number;
  claims: PortClaim[];
}

/**
 * Several regions form a super-cluster (a cluster per region, joined by gateways). A lone
 * region is a plain JetStream server: on 2.9 a one-server cluster with no gateway peer never
 * elects a JetStream meta leader.
 */
export const superCluster = (cfg: Pick<DevConfig, 'regions'>): boolean => cfg.regions.length > 1;

/** Port layout: ingress base+i, consumer health base+10+i, relay metrics base+20, NATS from base+100 (harness layout). */
export const MAX_REGIONS = 10;
export const natsBasePortOf = (portBase: number): number => portBase + 100;
export const natsDataDir = (home: string): string => join(home, 'nats');
export const logDir = (home: string): string => join(home, 'logs');

export async function planDev(cfg: DevConfig): Promise<DevPlan> {
  const natsBasePort = natsBasePortOf(cfg.portBase);
  const specs = await planMesh({
    clusters: cfg.regions.map((name) => ({ name, size: 1 })),
    gateways: superCluster(cfg),
    dataDir: natsDataDir(cfg.home),
    basePort: natsBasePort,
    logToFile: true,
  });
  const regions = cfg.regions.map((region, i) => ({
    region,
    cluster: region,
    ingressPort: cfg.portBase + i,
    consumerPort: cfg.portBase + MAX_REGIONS + i,
    server: specs[i]!,
  }));
  const claims: PortClaim[] = [];
  for (const r of regions) claims.push({ port: r.ingressPort, purpose: `ingress ${r.region}` });
  for (const r of regions) claims.push({ port: r.consumerPort, purpose: `consumer ${r.region} (health)` });
  const relayPort = cfg.portBase + 2 * MAX_REGIONS;
  claims.push({ port: relayPort, purpose: 'relay (metrics)' });
  for (const r of regions) {
    const s = r.server;
    claims.push({ port: s.port, purpose: `nats ${r.region} (clients)` });
    if (s.cluster) claims.push({ port: s.cluster.port, purpose: `nats ${r.region} (routes)` });
    if (s.gateway) claims.push({ port: s.gateway.port, purpose: `nats ${r.region} (gateway)` });
    claims.push({ port: s.httpPort, purpose: `nats ${r.region} (monitoring)` });
  }
  return { regions, relayPort, natsBasePort, claims };
}

/** Throws a CliError saying how to install nats-server when `bin` does not run. */
export function assertNatsServer(bin: string): string {
  const res = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (res.error || res.status !== 0) {
    const why = (res.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'not found' : 'did not run';
    throw new CliError(
      'E_NATS_SERVER_MISSING',
      [
        `wamesh dev: nats-server ${why} (${bin}).`,
        'Install it with `make tools` (scripts/bootstrap.sh) or `apt-get install nats-server`,',
        'or point NATS_SERVER_BIN at a nats-server binary (v2.9 or newer).',
      ].join('\n'),
    );
  }
  return res.stdout.trim();
}

export function portTakenMessage(taken: PortClaim[], portBase: number): string {
  const list = taken.map((c) => `  ${c.port}  ${c.purpose}`).join('\n');
  return [
    `wamesh dev: ${taken.length === 1 ? 'a port it needs is' : 'ports it needs are'} already in use:`,
    list,
    `Stop what listens there (see \`ss -ltnp 'sport = :${taken[0]!.port}'\`) or pick another range with --port-base (now ${portBase}).`,
  ].join('\n');
}
