// The only reader of process.env in the consumer: one zod schema, parsed once at start-up.
import type { NatsConfig } from '@wamesh/bus';
import { z } from 'zod';

const REGION = /^[A-Za-z0-9_-]+$/;

const int = (name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .default(String(def))
    .refine((v) => /^\d+$/.test(v), `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const natsUrl = /^(nats|tls|ws|wss):\/\/[^\s,]+$|^[^\s,:/]+:\d+$/;

/** Raw environment → typed values. Unknown variables are ignored. */
export const consumerEnvSchema = z.object({
  WAMESH_REGION: z
    .string({ error: 'WAMESH_REGION is required' })
    .trim()
    .regex(REGION, 'WAMESH_REGION must be one NATS subject token (letters, digits, - or _)'),
  WAMESH_SHARDS: int('WAMESH_SHARDS', 16, 1, 4096),
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
  NATS_USER: optional,
  NATS_PASS: optional,
  NATS_TOKEN: optional,
  NATS_CREDS: optional,
  NATS_TLS_CA: optional,
  NATS_TLS_CERT: optional,
  NATS_TLS_KEY: optional,
  /** Metrics and health HTTP server. */
  PORT: int('PORT', 9464, 0, 65535),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('0.0.0.0'),
  /** `mongo` when MONGODB_URI is set, else `kv`. */
  STORE: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || v === 'kv' || v === 'mongo', 'STORE must be kv or mongo'),
  MONGODB_URI: optional.refine(
    (v) => v === undefined || /^mongodb(\+srv)?:\/\//.test(v),
    'MONGODB_URI must start with mongodb:// or mongodb+srv://',
  ),
  MONGODB_DB: z.string().trim().min(1, 'MONGODB_DB must not be empty').default('wamesh'),
  BATCH_SIZE: int('BATCH_SIZE', 256, 1, 10_000),
  BATCH_MAX_WAIT_MS: int('BATCH_MAX_WAIT_MS', 200, 0, 60_000),
  MAX_DELIVERIES: int('MAX_DELIVERIES', 5, 1, 1_000),
  /** Shard leases (a later issue); parsed now so a deployment can already set it. */
  LEASE_TTL_MS: int('LEASE_TTL_MS', 10_000, 1_000, 600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ConsumerEnv = z.output<typeof consumerEnvSchema>;

export type StoreKind = 'kv' | 'mongo';

/** What the consumer runs with; credentials stay inside `nats`/`store` and are never logged. */
export interface ConsumerConfig {
  region: string;
  shards: number;
  nats: NatsConfig;
  http: { port: number; host: string };
  store: { kind: StoreKind; mongodbUri?: string; mongodbDb: string };
  batch: { size: number; maxWaitMs: number };
  maxDeliveries: number;
  leaseTtlMs: number;
  logLevel: string;
}

/** A bad or missing variable: the message names it, so start-up says what to fix. */
export class ConsumerEnvError extends Error {
  override name = 'ConsumerEnvError';
  readonly code = 'E_ENV';
  readonly variables: string[];
  constructor(variables: string[], message: string) {
    super(message);
    this.variables = variables;
  }
}

export function loadConsumerEnv(env: Record<string, string | undefined> = process.env): ConsumerConfig {
  const parsed = consumerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const variables = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))];
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      // Name the variable; never echo the value (it may be a credential).
      return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConsumerEnvError(variables, `invalid environment: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  if (e.NATS_TLS_CERT !== undefined && e.NATS_TLS_KEY === undefined) {
    throw new ConsumerEnvError(['NATS_TLS_KEY'], 'invalid environment: NATS_TLS_KEY is required with NATS_TLS_CERT');
  }
  const kind = (e.STORE as StoreKind | undefined) ?? (e.MONGODB_URI ? 'mongo' : 'kv');
  if (kind === 'mongo' && e.MONGODB_URI === undefined) {
    throw new ConsumerEnvError(['MONGODB_URI'], 'invalid environment: MONGODB_URI is required with STORE=mongo');
  }
  const config: ConsumerConfig = {
    region: e.WAMESH_REGION,
    shards: e.WAMESH_SHARDS,
    nats: { servers: e.NATS_URLS, name: `wamesh-consumer ${e.WAMESH_REGION}` },
    http: { port: e.PORT, host: e.HOST },
    store: { kind, mongodbDb: e.MONGODB_DB },
    batch: { size: e.BATCH_SIZE, maxWaitMs: e.BATCH_MAX_WAIT_MS },
    maxDeliveries: e.MAX_DELIVERIES,
    leaseTtlMs: e.LEASE_TTL_MS,
    logLevel: e.LOG_LEVEL,
  };
  if (kind === 'mongo' && e.MONGODB_URI !== undefined) config.store.mongodbUri = e.MONGODB_URI;
  if (e.NATS_USER !== undefined) config.nats.user = e.NATS_USER;
  if (e.NATS_PASS !== undefined) config.nats.pass = e.NATS_PASS;
  if (e.NATS_TOKEN !== undefined) config.nats.token = e.NATS_TOKEN;
  if (e.NATS_CREDS !== undefined) config.nats.credsFile = e.NATS_CREDS;
  if (e.NATS_TLS_CA || e.NATS_TLS_CERT) {
    config.nats.tls = {};
    if (e.NATS_TLS_CA) config.nats.tls.caFile = e.NATS_TLS_CA;
    if (e.NATS_TLS_CERT) config.nats.tls.certFile = e.NATS_TLS_CERT;
    if (e.NATS_TLS_KEY) config.nats.tls.keyFile = e.NATS_TLS_KEY;
  }
  return config;
}

/** Service name and region for telemetry, read before anything else starts. */
export function telemetryOptions(env: Record<string, string | undefined> = process.env) {
  const region = env.WAMESH_REGION?.trim();
  return { serviceName: 'wamesh-consumer', region: region && REGION.test(region) ? region : 'unknown' };
}
