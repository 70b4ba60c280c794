// The environment every service on the bus shares (TEAM-NOTES table): region, shards and
// the NATS variables, the NatsConfig they make, and the error a bad variable stops start-up
// with. Each service's env.ts composes these into its own schema and is still the only
// reader of process.env; nothing here reads it.
import { isRegion } from '@wamesh/core';
import { z } from 'zod';
import type { NatsConfig } from './types.ts';

export type EnvSource = Record<string, string | undefined>;

/** A whole number in [min, max] with a default; the messages name the variable. */
export const envInt = (name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .default(String(def))
    .refine((v) => /^\d+$/.test(v), `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

/** An optional value; empty counts as unset (compose and k8s often pass `FOO=`). */
export const envOptional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** LOG_LEVEL: pino's levels, `info` by default. */
export const envLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const natsUrl = /^(nats|tls|ws|wss):\/\/[^\s,]+$|^[^\s,:/]+:\d+$/;

/** WAMESH_REGION and WAMESH_SHARDS: which region's subjects a service works on, and how many shards. */
export const regionEnvShape = {
  WAMESH_REGION: z
    .string({ error: 'WAMESH_REGION is required' })
    .trim()
    .refine(isRegion, 'WAMESH_REGION must be one NATS subject token (letters, digits, - or _)'),
  WAMESH_SHARDS: envInt('WAMESH_SHARDS', 16, 1, 4096),
};

/** NATS_URLS, credentials and TLS files (zod fields, for a service's z.object). */
export const natsEnvShape = {
  NATS_URLS: z
    .string()
    .default('nats://127.0.0.1:4222')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((a) => a.length > 0 && a.every((u) => natsUrl.test(u)), 'NATS_URLS must be comma-separated nats:// URLs'),
  NATS_USER: envOptional,
  NATS_PASS: envOptional,
  NATS_TOKEN: envOptional,
  NATS_CREDS: envOptional,
  NATS_TLS_CA: envOptional,
  NATS_TLS_CERT: envOptional,
  NATS_TLS_KEY: envOptional,
};

export type NatsEnv = z.output<z.ZodObject<typeof natsEnvShape>>;

/** A bad or missing variable: the message names it, so start-up says what to fix. */
export class EnvError extends Error {
  override name = 'EnvError';
  readonly code = 'E_ENV';
  readonly variables: string[];
  constructor(variables: string[], message: string) {
    super(message);
    this.variables = variables;
  }
}

/** A service's own EnvError subclass, so its callers can tell whose environment failed. */
export type EnvErrorClass = new (variables: string[], message: string) => EnvError;

/** The EnvError subclass of one service (`name`: e.g. 'IngressEnvError'), for parseEnv and natsConfigOf. */
export function serviceEnvError(name: string): EnvErrorClass {
  return class extends EnvError {
    override name = name;
  };
}

/** Parses the environment with a service's schema; a failure throws `Err` naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: EnvSource, Err: EnvErrorClass = EnvError): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const variables = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))];
  const lines = parsed.error.issues.map((i) => {
    const name = String(i.path[0] ?? '?');
    // Name the variable; never echo the value (it may be a secret).
    return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
  });
  throw new Err(variables, `invalid environment: ${lines.join('; ')}`);
}

/** NatsConfig of the parsed NATS variables; a TLS certificate without its key throws `Err`. */
export function natsConfigOf(env: NatsEnv, name: string, Err: EnvErrorClass = EnvError): NatsConfig {
  if (env.NATS_TLS_CERT !== undefined && env.NATS_TLS_KEY === undefined) {
    throw new Err(['NATS_TLS_KEY'], 'invalid environment: NATS_TLS_KEY is required with NATS_TLS_CERT');
  }
  const config: NatsConfig = { servers: env.NATS_URLS, name };
  if (env.NATS_USER !== undefined) config.user = env.NATS_USER;
  if (env.NATS_PASS !== undefined) config.pass = env.NATS_PASS;
  if (env.NATS_TOKEN !== undefined) config.token = env.NATS_TOKEN;
  if (env.NATS_CREDS !== undefined) config.credsFile = env.NATS_CREDS;
  if (env.NATS_TLS_CA || env.NATS_TLS_CERT) {
    config.tls = {};
    if (env.NATS_TLS_CA) config.tls.caFile = env.NATS_TLS_CA;
    if (env.NATS_TLS_CERT) config.tls.certFile = env.NATS_TLS_CERT;
    if (env.NATS_TLS_KEY) config.tls.keyFile = env.NATS_TLS_KEY;
  }
  return config;
}

/** WAMESH_REGION as given if it is valid, else `unknown`: telemetry starts before the environment is checked. */
export function envRegion(env: EnvSource): string {
  const region = env.WAMESH_REGION?.trim();
  return region && isRegion(region) ? region : 'unknown';
}
