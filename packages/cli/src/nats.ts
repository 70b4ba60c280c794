import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, type NatsConfig, silentLogger } from '@wamesh/bus';
import type { CliEnv } from './env.ts';
import { CliError } from './errors.ts';

/** NatsConfig for the given servers, with credentials and TLS from the environment. */
export function natsConfig(env: CliEnv, servers: string[], name: string): NatsConfig {
  const cfg: NatsConfig = { servers, name };
  if (env.NATS_USER) cfg.user = env.NATS_USER;
  if (env.NATS_PASS) cfg.pass = env.NATS_PASS;
  if (env.NATS_TOKEN) cfg.token = env.NATS_TOKEN;
  if (env.NATS_CREDS) cfg.credsFile = env.NATS_CREDS;
  if (env.NATS_TLS_CA || env.NATS_TLS_CERT || env.NATS_TLS_KEY) {
    cfg.tls = {};
    if (env.NATS_TLS_CA) cfg.tls.caFile = env.NATS_TLS_CA;
    if (env.NATS_TLS_CERT) cfg.tls.certFile = env.NATS_TLS_CERT;
    if (env.NATS_TLS_KEY) cfg.tls.keyFile = env.NATS_TLS_KEY;
  }
  return cfg;
}

/** A connection for a short-lived command: fails fast with a message naming the servers. */
export async function connectTo(cfg: NatsConfig): Promise<NatsConnection> {
  try {
    return await connectNats(cfg, silentLogger, { overrides: { maxReconnectAttempts: 3, reconnectTimeWait: 250, timeout: 5000 } });
  } catch (err) {
    throw new CliError('E_NO_MESH', `cannot reach NATS at ${cfg.servers.join(', ')}: ${(err as Error).message}`);
  }
}
