// The only reader of process.env in the consumer: one zod schema, parsed once at start-up.
// Region, shards and NATS variables are the bus's (shared with the ingress).
import {
  envInt,
  envLogLevel,
  envOptional,
  envRegion,
  type NatsConfig,
  natsConfigOf,
  natsEnvShape,
  parseEnv,
  regionEnvShape,
  serviceEnvError,
} from '@wamesh/bus';
import { isMongoUri } from '@wamesh/store';
import { z } from 'zod';

/** Raw environment → typed values. Unknown variables are ignored. */
export const consumerEnvSchema = z.object({
  ...regionEnvShape,
  ...natsEnvShape,
  /** Metrics and health HTTP server. */
  PORT: envInt('PORT', 9464, 0, 65535),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('0.0.0.0'),
  /** `mongo` when MONGODB_URI is set, else `kv`. */
  STORE: envOptional.refine((v) => v === undefined || v === 'kv' || v === 'mongo', 'STORE must be kv or mongo'),
  MONGODB_URI: envOptional.refine(
    (v) => v === undefined || isMongoUri(v),
    'MONGODB_URI must start with mongodb:// or mongodb+srv://',
  ),
  MONGODB_DB: z.string().trim().min(1, 'MONGODB_DB must not be empty').default('wamesh'),
  BATCH_SIZE: envInt('BATCH_SIZE', 256, 1, 10_000),
  BATCH_MAX_WAIT_MS: envInt('BATCH_MAX_WAIT_MS', 200, 0, 60_000),
  MAX_DELIVERIES: envInt('MAX_DELIVERIES', 5, 1, 1_000),
  /** Shard lease TTL; `wamesh provision` gives the lease bucket this TTL and the shard consumers this ack wait. */
  LEASE_TTL_MS: envInt('LEASE_TTL_MS', 10_000, 1_000, 600_000),
  LOG_LEVEL: envLogLevel,
});


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

/** A bad or missing variable of the consumer (code E_ENV, `variables` names them). */
export const ConsumerEnvError = serviceEnvError('ConsumerEnvError');

export function loadConsumerEnv(env: Record<string, string | undefined> = process.env): ConsumerConfig {
  const e = parseEnv(consumerEnvSchema, env, ConsumerEnvError);
  const nats = natsConfigOf(e, `wamesh-consumer ${e.WAMESH_REGION}`, ConsumerEnvError);
  const kind = (e.STORE as StoreKind | undefined) ?? (e.MONGODB_URI ? 'mongo' : 'kv');
  if (kind === 'mongo' && e.MONGODB_URI === undefined) {
    throw new ConsumerEnvError(['MONGODB_URI'], 'invalid environment: MONGODB_URI is required with STORE=mongo');
  }
  // The first message of a batch waits BATCH_MAX_WAIT_MS un-acked before working() covers it;
  // past half the ack wait (= the lease TTL) it would be redelivered while still held.
  if (e.BATCH_MAX_WAIT_MS * 2 > e.LEASE_TTL_MS) {
    throw new ConsumerEnvError(
      ['BATCH_MAX_WAIT_MS', 'LEASE_TTL_MS'],
      'invalid environment: BATCH_MAX_WAIT_MS must be at most half of LEASE_TTL_MS (the shard consumers\' ack wait)',
    );
  }
  const config: ConsumerConfig = {
    region: e.WAMESH_REGION,
    shards: e.WAMESH_SHARDS,
    nats,
    http: { port: e.PORT, host: e.HOST },
    store: { kind, mongodbDb: e.MONGODB_DB },
    batch: { size: e.BATCH_SIZE, maxWaitMs: e.BATCH_MAX_WAIT_MS },
    maxDeliveries: e.MAX_DELIVERIES,
    leaseTtlMs: e.LEASE_TTL_MS,
    logLevel: e.LOG_LEVEL,
  };
  if (kind === 'mongo' && e.MONGODB_URI !== undefined) config.store.mongodbUri = e.MONGODB_URI;
  return config;
}

/** Service name and region for telemetry, read before anything else starts. */
export function telemetryOptions(env: Record<string, string | undefined> = process.env) {
  return { serviceName: 'wamesh-consumer', region: envRegion(env) };
}
