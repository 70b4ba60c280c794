import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type MeshPlanOptions, planMesh, type ServerAuth } from './config.ts';
import { installReaper, removeOnExit } from './reaper.ts';
import { NatsServer } from './server.ts';
import { until } from './until.ts';

/** Options every start function shares. */
export interface MeshOptions {
  /** Keep data here instead of a fresh temp dir (a persistent dev mesh). */
  dataDir?: string;
  /** Keep dataDir on stop; temp dirs are always removed. */
  keepData?: boolean;
  /** Fixed ports (see MeshPlanOptions.basePort); free ports when absent. */
  basePort?: number;
  host?: string;
  auth?: ServerAuth;
  jetstream?: MeshPlanOptions['jetstream'];
  logToFile?: boolean;
  debug?: boolean;
  /** nats-server binary; `nats-server` on PATH by default. */
  bin?: string;
  /** How long to wait for the whole mesh to be ready. */
  readyTimeoutMs?: number;
}

/** Running servers grouped by cluster (= region); stop() ends them and removes their files. */
export class NatsMesh {
  readonly servers: NatsServer[];
  readonly dataDir: string;
  readonly #removeDir: boolean;
  readonly #auth: ServerAuth | undefined;
  readonly #conns = new Set<NatsConnection>();
  readonly #gateways: boolean;

  constructor(servers: NatsServer[], dataDir: string, removeDir: boolean, gateways: boolean, auth?: ServerAuth) {
    this.servers = servers;
    this.dataDir = dataDir;
    this.#removeDir = removeDir;
    this.#gateways = gateways;
    this.#auth = auth;
  }

  /** Client URL of the first server. */
  get url(): string {
    return this.servers[0]!.url;
  }
  /** Client URLs of every server. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }
  /** Client URLs per region (cluster name). */
  get regions(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const s of this.servers) out[clusterOf(s)] = [...(out[clusterOf(s)] ?? []), s.url];
    return out;
  }
  /** Servers of one region (cluster name). */
  region(name: string): NatsServer[] {
    const found = this.servers.filter((s) => clusterOf(s) === name);
    if (found.length === 0) throw new Error(`no region ${name} in this mesh`);
    return found;
  }
  server(name: string): NatsServer {
    const found = this.servers.find((s) => s.name === name);
    if (!found) throw new Error(`no server ${name} in this mesh`);
    return found;
  }

  /**
   * A client connection (closed by stop()). Defaults: the given servers (or all of this
   * mesh's), the mesh's credentials, reconnect forever with short waits, no shuffling.
   */
  async connect(opts: ConnectionOptions = {}): Promise<NatsConnection> {
    const nc = await connect({
      servers: this.urls,
      noRandomize: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      ...authOptions(this.#auth),
      ...opts,
    });
    this.#conns.add(nc);
    nc.closed().then(() => this.#conns.delete(nc));
    return nc;
  }

  /**
   * Waits until every running server is healthy, routes and gateways are all connected,
   * and the JetStream API answers on each running server (a meta leader is elected).
   */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = this.servers.filter((s) => s.running);
    const clusters = new Set(this.servers.map(clusterOf));
    for (const s of running) {
      await until(`${s.name}: /healthz`, async () => (await s.monitor('/healthz')) !== undefined, deadline, s);
      if (s.spec.cluster) {
        const peers = running.filter((o) => clusterOf(o) === clusterOf(s)).length - 1;
        await until(`${s.name}: ${peers} routes`, async () => {
          const r = await s.monitor('/routez');
          return typeof r?.['num_routes'] === 'number' && r['num_routes'] >= peers;
        }, deadline, s);
      }
      if (this.#gateways) {
        const want = clusters.size - 1;
        await until(`${s.name}: ${want} gateways`, async () => {
          const g = await s.monitor('/gatewayz');
          const out = Object.keys((g?.['outbound_gateways'] as object | undefined) ?? {}).length;
          const inb = Object.keys((g?.['inbound_gateways'] as object | undefined) ?? {}).length;
          return out >= want && inb >= want;
        }, deadline, s);
      }
      if (s.spec.jetstream) await until(`${s.name}: JetStream API`, () => jsApiAnswers(s, this.#auth), deadline, s);
    }
  }

  /** Stops every server (graceful, then SIGKILL), closes connections, removes temp files. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.#conns].map((nc) => nc.close()));
    await Promise.allSettled(this.servers.map((s) => s.stop(2_000)));
    if (this.#removeDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      removeOnExit.delete(this.dataDir);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

const clusterOf = (s: NatsServer): string => s.spec.region;

/**
 * Plans, starts and waits for a mesh; on any failure stops what did start. Free ports can
 * be taken by someone else between picking and binding: then it tries again on new ones.
 */
export async function startMesh(plan: Omit<MeshPlanOptions, 'dataDir'>, opts: MeshOptions = {}): Promise<NatsMesh> {
  installReaper();
  const attempts = opts.basePort === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMeshOnce(plan, opts);
    } catch (err) {
      const portTaken = err instanceof Error && /address already in use/i.test(err.message);
      if (!portTaken || attempt >= attempts) throw err;
    }
  }
}

async function startMeshOnce(plan: Omit<MeshPlanOptions, 'dataDir'>, opts: MeshOptions): Promise<NatsMesh> {
  const tempDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wamesh-nats-'));
  if (tempDir) removeOnExit.add(dataDir);
  const specs = await planMesh({ ...plan, ...pickPlan(opts), dataDir });
  const servers = specs.map((spec) => new NatsServer(spec, opts.bin));
  const mesh = new NatsMesh(servers, dataDir, tempDir || !opts.keepData, plan.gateways, opts.auth);
  try {
    await Promise.all(servers.map((s) => s.start()));
    await mesh.waitReady(opts.readyTimeoutMs ?? 30_000);
    return mesh;
  } catch (err) {
    await mesh.stop();
    throw err;
  }
}

function pickPlan(opts: MeshOptions): Partial<MeshPlanOptions> {
  const out: Partial<MeshPlanOptions> = {};
  if (opts.basePort !== undefined) out.basePort = opts.basePort;
  if (opts.host !== undefined) out.host = opts.host;
  if (opts.auth !== undefined) out.auth = opts.auth;
  if (opts.jetstream !== undefined) out.jetstream = opts.jetstream;
  if (opts.logToFile) out.logToFile = true;
  if (opts.debug) out.debug = true;
  return out;
}

/** One server with JetStream. */
export function startServer(opts: MeshOptions & { name?: string } = {}): Promise<NatsMesh> {
  return startMesh({ clusters: [{ name: opts.name ?? 'nats', size: 1 }], gateways: false }, opts);
}

/** One cluster of `size` servers (default 3) with clustered JetStream. */
export function startCluster(opts: MeshOptions & { name?: string; size?: number } = {}): Promise<NatsMesh> {
  return startMesh({ clusters: [{ name: opts.name ?? 'nats', size: opts.size ?? 3 }], gateways: false }, opts);
}

/** One cluster per region (cluster name = region), joined by gateways into a super-cluster. */
export function startSuperCluster(opts: MeshOptions & { regions: string[]; nodesPerRegion?: number }): Promise<NatsMesh> {
  const size = opts.nodesPerRegion ?? 1;
  return startMesh({ clusters: opts.regions.map((name) => ({ name, size })), gateways: true }, opts);
}

function authOptions(auth: ServerAuth | undefined): ConnectionOptions {
  if (!auth) return {};
  return 'token' in auth ? { token: auth.token } : { user: auth.user, pass: auth.pass };
}

async function jsApiAnswers(s: NatsServer, auth: ServerAuth | undefined): Promise<boolean> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: s.url, reconnect: false, timeout: 2_000, ...authOptions(auth) });
    return await jsAnswers(nc, 2_000);
  } catch {
    return false;
  } finally {
    await nc?.close().catch(() => {});
  }
}

async function jsAnswers(nc: NatsConnection, timeoutMs: number): Promise<boolean> {
  try {
    const reply = await nc.request('$JS.API.INFO', undefined, { timeout: timeoutMs });
    return reply.json<{ error?: unknown }>().error === undefined;
  } catch {
    return false;
  }
}

/**
 * Waits until JetStream answers on this connection. After a server restart, call this
 * before the next request: nats.js drops what was buffered while it was disconnected.
 */
export async function waitForJetStream(nc: NatsConnection, timeoutMs = 30_000): Promise<void> {
  await until('JetStream to answer', () => jsAnswers(nc, 500), Date.now() + timeoutMs);
}

