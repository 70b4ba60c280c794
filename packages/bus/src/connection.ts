// One NATS connection per process, built from NatsConfig: it never gives up reconnecting
// (JetStream durability is the server's job; the client only has to come back), and every
// status change is logged so an operator sees flapping in the logs.
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator, type NatsConnection, type Status } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsConfigError } from './errors.ts';
import type { BusLogger } from './logger.ts';
import type { NatsConfig } from './types.ts';

export interface ConnectNatsOptions {
  /**
   * Keep trying when no server answers at start-up instead of failing. Off by default so a
   * misconfigured service stops with an error; the orchestrator restarts it.
   */
  waitOnFirstConnect?: boolean;
  /** Raw nats.js options laid over the derived ones (tests shorten waits with it). */
  overrides?: Partial<ConnectionOptions>;
}

/** nats.js connection options for a NatsConfig; throws NatsConfigError on contradictions. */
export function natsConnectionOptions(cfg: NatsConfig): ConnectionOptions {
  if (cfg.servers.length === 0) throw new NatsConfigError('at least one NATS server URL is required');
  const methods = [cfg.token ? 'token' : '', cfg.user || cfg.pass ? 'user/pass' : '', cfg.credsFile ? 'creds' : ''];
  const chosen = methods.filter(Boolean);
  if (chosen.length > 1) throw new NatsConfigError(`choose one NATS authentication, got ${chosen.join(' and ')}`);
  if ((cfg.user && !cfg.pass) || (!cfg.user && cfg.pass)) throw new NatsConfigError('NATS user and pass go together');

  const opts: ConnectionOptions = {
    servers: cfg.servers,
    name: cfg.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Jitter spreads the reconnect storm of many replicas after a server restart.
    reconnectJitter: 500,
    reconnectJitterTLS: 1_000,
    // Notice a silently dead server (partition) within ~30 s instead of the 2 min default.
    pingInterval: 15_000,
    maxPingOut: 2,
  };
  if (cfg.token) opts.token = cfg.token;
  if (cfg.user) {
    opts.user = cfg.user;
    opts.pass = cfg.pass;
  }
  if (cfg.credsFile) {
    const path = cfg.credsFile;
    // Read at every (re)connect, so rotated credentials are picked up.
    opts.authenticator = credsAuthenticator(() => readFileSync(path));
  }
  if (cfg.tls && (cfg.tls.caFile || cfg.tls.certFile || cfg.tls.keyFile)) {
    opts.tls = {};
    if (cfg.tls.caFile) opts.tls.caFile = cfg.tls.caFile;
    if (cfg.tls.certFile) opts.tls.certFile = cfg.tls.certFile;
    if (cfg.tls.keyFile) opts.tls.keyFile = cfg.tls.keyFile;
  }
  return opts;
}

/** Connects, logs the server it reached, and logs every later status change until closed. */
export async function connectNats(
  cfg: NatsConfig,
  logger: BusLogger,
  extra: ConnectNatsOptions = {},
): Promise<NatsConnection> {
  const opts: ConnectionOptions = { ...natsConnectionOptions(cfg), ...extra.overrides };
  if (extra.waitOnFirstConnect) opts.waitOnFirstConnect = true;
  const nc = await connect(opts);
  logger.info({ nats: { name: cfg.name, server: nc.getServer(), version: nc.info?.version } }, 'nats connected');
  void watchStatus(nc, cfg.name, logger);
  nc.closed().then((err) => {
    if (err) logger.error({ nats: { name: cfg.name }, err }, 'nats connection closed with an error');
    else logger.info({ nats: { name: cfg.name } }, 'nats connection closed');
  });
  return nc;
}

async function watchStatus(nc: NatsConnection, name: string, logger: BusLogger): Promise<void> {
  for await (const s of nc.status()) logStatus(logger, name, s);
}

function logStatus(logger: BusLogger, name: string, s: Status): void {
  const nats = { name, event: s.type };
  switch (s.type) {
    case 'disconnect':
      logger.warn({ nats: { ...nats, server: s.server } }, 'nats disconnected');
      break;
    case 'reconnect':
      logger.info({ nats: { ...nats, server: s.server } }, 'nats reconnected');
      break;
    case 'ldm':
      logger.warn({ nats: { ...nats, server: s.server } }, 'nats server entering lame duck mode');
      break;
    case 'error':
      logger.error({ nats, err: s.error }, 'nats error');
      break;
    case 'staleConnection':
      logger.warn({ nats }, 'nats connection stale');
      break;
    case 'slowConsumer':
      logger.warn({ nats: { ...nats, subject: s.sub.getSubject(), pending: s.pending } }, 'nats slow consumer');
      break;
    case 'update':
      logger.debug({ nats: { ...nats, added: s.added, deleted: s.deleted } }, 'nats cluster update');
      break;
    case 'reconnecting':
    case 'ping':
    case 'forceReconnect':
    case 'close':
      logger.debug({ nats }, `nats ${s.type}`);
      break;
  }
}
