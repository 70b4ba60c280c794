// The only reader of process.env in the relay: one zod schema, parsed once at start-up.
// NATS variables are the bus's; RELAY_ENDPOINTS is a JSON array of endpoints; the feed is the
// store's event log, read as the consumers' store keeps it (RELAY_FEED, like their STORE).
import { envInt, envLogLevel, envOptional, type NatsConfig, natsConfigOf, natsEnvShape, parseEnv, serviceEnvError } from '@wamesh/bus';
import { bucketNames, eventRowsSubject, isMongoUri } from '@wamesh/store';
import { z } from 'zod';
import { type EndpointConfig, endpointSchema } from './endpoint.ts';

const endpoints = z
  .string({ error: 'RELAY_ENDPOINTS is required' })
  .transform((v, ctx) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'RELAY_ENDPOINTS must be a JSON array of endpoints' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(endpointSchema, { error: 'RELAY_ENDPOINTS must be a JSON array of endpoints' })
      .min(1, 'RELAY_ENDPOINTS needs at least one endpoint')
      .refine((a) => new Set(a.map((e) => e.name)).size === a.length, 'RELAY_ENDPOINTS names must be unique'),
  );

export const relayEnvSchema = z.object({
  ...natsEnvShape,
  RELAY_ENDPOINTS: endpoints,
  /** `kv`: the embedded store's log in JetStream; `mongo`: a change stream on the Mongo store's log. `mongo` when MONGODB_URI is set, else `kv`. */
  RELAY_FEED: envOptional.refine((v) => v === undefined || v === 'kv' || v === 'mongo', 'RELAY_FEED must be kv or mongo'),
  MONGODB_URI: envOptional.refine((v) => v === undefined || isMongoUri(v), 'MONGODB_URI must start with mongodb:// or mongodb+srv://'),
  MONGODB_DB: z.string().trim().min(1, 'MONGODB_DB must not be empty').default('wamesh'),
  /**
   * With the kv feed, the stream holding the feed, and the subject filter of the feed within
   * it: by default the embedded store's event log (its rows are the feed, in commit order).
   */
  RELAY_FEED_STREAM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]+$/, 'RELAY_FEED_STREAM must be a stream name')
    .default(`KV_${bucketNames('wamesh').events}`),
  RELAY_FEED_SUBJECT: envOptional,
  /** Key partitions replicas share through leases (one owner each). */
  RELAY_PARTITIONS: envInt('RELAY_PARTITIONS', 1, 1, 256),
  LEASE_TTL_MS: envInt('LEASE_TTL_MS', 10_000, 1_000, 600_000),
  RELAY_REPLICAS: envInt('RELAY_REPLICAS', 1, 1, 5),
  METRICS_PORT: envInt('METRICS_PORT', 9464, 0, 65535),
  LOG_LEVEL: envLogLevel,
});

/** Where the feed is read: a JetStream stream and subject filter (kv), or the Mongo store (mongo). */
export type FeedConfig = { stream: string; subject: string } | { uri: string; db: string };

/** What the relay runs with; endpoint secrets and the Mongo URI stay inside and are never logged. */
export interface RelayConfig {
  nats: NatsConfig;
  endpoints: EndpointConfig[];
  feed: FeedConfig;
  partitions: number;
  leaseTtlMs: number;
  /** Replicas of the relay's own streams and buckets. */
  replicas: number;
  metricsPort: number;
  logLevel: string;
}

/** A bad or missing variable of the relay (code E_ENV, `variables` names them). */
export const RelayEnvError = serviceEnvError('RelayEnvError');

export function loadRelayEnv(env: Record<string, string | undefined> = process.env): RelayConfig {
  const e = parseEnv(relayEnvSchema, env, RelayEnvError);
  const kind = e.RELAY_FEED ?? (e.MONGODB_URI ? 'mongo' : 'kv');
  if (kind === 'mongo' && e.MONGODB_URI === undefined) {
    throw new RelayEnvError(['MONGODB_URI'], 'invalid environment: MONGODB_URI is required with RELAY_FEED=mongo');
  }
  return {
    nats: natsConfigOf(e, 'wamesh-relay', RelayEnvError),
    endpoints: e.RELAY_ENDPOINTS,
    feed:
      kind === 'mongo' && e.MONGODB_URI !== undefined
        ? { uri: e.MONGODB_URI, db: e.MONGODB_DB }
        : { stream: e.RELAY_FEED_STREAM, subject: e.RELAY_FEED_SUBJECT ?? eventRowsSubject('wamesh') },
    partitions: e.RELAY_PARTITIONS,
    leaseTtlMs: e.LEASE_TTL_MS,
    replicas: e.RELAY_REPLICAS,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
