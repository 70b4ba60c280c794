import { join } from 'node:path';
import { freePorts } from './ports.ts';

/** Everything one nats-server needs to know; rendered to a config file by renderServerConfig. */
export interface ServerSpec {
  /** Unique server_name (JetStream clustering requires one). */
  name: string;
  /** Region (cluster name) this server belongs to; for grouping only, not rendered. */
  region: string;
  host: string;
  /** Client port. */
  port: number;
  /** Monitoring port (/healthz, /jsz, /routez, /gatewayz): the harness polls it for readiness. */
  httpPort: number;
  /** Directory holding this server's config file and JetStream store. */
  dir: string;
  /** JetStream limits; false disables JetStream. */
  jetstream: JetStreamSpec | false;
  cluster?: { name: string; port: number; routes: string[] };
  gateway?: { name: string; port: number; gateways: { name: string; urls: string[] }[] };
  auth?: ServerAuth;
  /** Write the server log here instead of stderr (a persistent dev mesh wants files). */
  logFile?: string;
  debug?: boolean;
}

export interface JetStreamSpec {
  maxMemory: number;
  maxFile: number;
  /** `sync_interval` (nats-server 2.10+; 2.9 refuses the config): `always` fsyncs each write before its ack. */
  syncInterval?: string;
}

export type ServerAuth = { user: string; pass: string } | { token: string };

export const configPath = (spec: ServerSpec): string => join(spec.dir, 'nats.conf');
export const storeDir = (spec: ServerSpec): string => join(spec.dir, 'jetstream');
export const clientUrl = (spec: ServerSpec): string => `nats://${spec.host}:${spec.port}`;

const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[]): string => `[${xs.map(q).join(', ')}]`;

/** The nats-server config file text for one server (nats-server 2.9 syntax). */
export function renderServerConfig(spec: ServerSpec): string {
  const out: string[] = [
    `server_name: ${q(spec.name)}`,
    `listen: ${q(`${spec.host}:${spec.port}`)}`,
    `http: ${q(`${spec.host}:${spec.httpPort}`)}`,
  ];
  if (spec.logFile) out.push(`log_file: ${q(spec.logFile)}`);
  if (spec.debug) out.push('debug: true', 'trace: false');
  if (spec.jetstream) {
    out.push(
      'jetstream {',
      `  store_dir: ${q(storeDir(spec))}`,
      `  max_memory_store: ${spec.jetstream.maxMemory}`,
      `  max_file_store: ${spec.jetstream.maxFile}`,
    );
    if (spec.jetstream.syncInterval) out.push(`  sync_interval: ${q(spec.jetstream.syncInterval)}`);
    out.push('}');
  }
  if (spec.auth) {
    out.push('authorization {');
    if ('token' in spec.auth) out.push(`  token: ${q(spec.auth.token)}`);
    else out.push(`  user: ${q(spec.auth.user)}`, `  password: ${q(spec.auth.pass)}`);
    out.push('}');
  }
  if (spec.cluster) {
    out.push(
      'cluster {',
      `  name: ${q(spec.cluster.name)}`,
      `  listen: ${q(`${spec.host}:${spec.cluster.port}`)}`,
      `  routes: ${list(spec.cluster.routes)}`,
      '}',
    );
  }
  if (spec.gateway) {
    out.push('gateway {', `  name: ${q(spec.gateway.name)}`, `  listen: ${q(`${spec.host}:${spec.gateway.port}`)}`);
    out.push('  gateways: [');
    for (const g of spec.gateway.gateways) out.push(`    { name: ${q(g.name)}, urls: ${list(g.urls)} }`);
    out.push('  ]', '}');
  }
  return `${out.join('\n')}\n`;
}

/** A set of clusters, optionally joined by gateways into a super-cluster. */
export interface MeshPlanOptions {
  /** One entry per cluster; a cluster of size 1 without gateways is a plain single server. */
  clusters: { name: string; size: number }[];
  /** Join the clusters by gateways (cluster name = gateway name = region). */
  gateways: boolean;
  /** Parent directory of every server's directory. */
  dataDir: string;
  host?: string;
  /**
   * Fixed ports for a persistent mesh: server i gets client basePort+i, route basePort+2000+i,
   * gateway basePort+3000+i, monitoring basePort+4000+i (4222/6222/7222/8222 for 4222).
   * Without it, free ports are picked.
   */
  basePort?: number;
  jetstream?: JetStreamSpec | false;
  auth?: ServerAuth;
  /** Log to <server dir>/nats.log instead of stderr. */
  logToFile?: boolean;
  debug?: boolean;
}

// A limit, not an allocation: each region's quarantine reserves its max bytes (512 MiB) against it.
const DEFAULT_JS = { maxMemory: 256 * 1024 * 1024, maxFile: 16 * 1024 * 1024 * 1024 };

/**
 * Server specs for a mesh. Names are `<cluster>-<i>`. On nats-server 2.9 a clustered
 * JetStream refuses to start without a cluster block, so every server of a super-cluster
 * gets one, and a one-server cluster's routes list its own address.
 */
export async function planMesh(opts: MeshPlanOptions): Promise<ServerSpec[]> {
  const host = opts.host ?? '127.0.0.1';
  const total = opts.clusters.reduce((n, c) => n + c.size, 0);
  const clustered = opts.gateways || opts.clusters.some((c) => c.size > 1);
  const ports =
    opts.basePort !== undefined
      ? portsFromBase(opts.basePort, total)
      : await freePorts(total * 4).then((p) => ({
          client: p.slice(0, total),
          route: p.slice(total, 2 * total),
          gateway: p.slice(2 * total, 3 * total),
          http: p.slice(3 * total),
        }));

  const layout: { cluster: string; index: number; i: number }[] = [];
  for (const c of opts.clusters) for (let k = 0; k < c.size; k++) layout.push({ cluster: c.name, index: k, i: layout.length });

  const routesOf = (cluster: string): string[] =>
    layout.filter((s) => s.cluster === cluster).map((s) => `nats://${host}:${ports.route[s.i]}`);
  const gatewayUrlsOf = (cluster: string): string[] =>
    layout.filter((s) => s.cluster === cluster).map((s) => `nats://${host}:${ports.gateway[s.i]}`);

  return layout.map(({ cluster, index, i }) => {
    const name = `${cluster}-${index}`;
    const dir = join(opts.dataDir, name);
    const spec: ServerSpec = {
      name,
      region: cluster,
      host,
      port: ports.client[i]!,
      httpPort: ports.http[i]!,
      dir,
      jetstream: opts.jetstream ?? DEFAULT_JS,
    };
    if (clustered) spec.cluster = { name: cluster, port: ports.route[i]!, routes: routesOf(cluster) };
    if (opts.gateways) {
      spec.gateway = {
        name: cluster,
        port: ports.gateway[i]!,
        gateways: opts.clusters.filter((c) => c.name !== cluster).map((c) => ({ name: c.name, urls: gatewayUrlsOf(c.name) })),
      };
    }
    if (opts.auth) spec.auth = opts.auth;
    if (opts.logToFile) spec.logFile = join(dir, 'nats.log');
    if (opts.debug) spec.debug = true;
    return spec;
  });
}

function portsFromBase(base: number, n: number) {
  const range = (off: number) => Array.from({ length: n }, (_, i) => base + off + i);
  return { client: range(0), route: range(2000), gateway: range(3000), http: range(4000) };
}
