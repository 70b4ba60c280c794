// The only reader of process.env in the ingress: one zod schema, parsed once at start-up.
// Region, shards and NATS variables are the bus's (shared with the consumer).
import {
  envInt,
  envLogLevel,
  envRegion,
  type NatsConfig,
  natsConfigOf,
  natsEnvShape,
  parseEnv,
  regionEnvShape,
  serviceEnvError,
} from '@wamesh/bus';
import { z } from 'zod';

const list = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((a) => a.length > 0, `${name} needs at least one value`);

/**
 * Webhook requests open at once before the next is shed with 503 (Meta retries it): at the
 * ~15k req/s of one ingress process on two cores, at most ~20 ms of queue for the accepted ones;
 * a publish stall sheds once it holds that many, instead of queueing up to PUBLISH_TIMEOUT_MS.
 */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** Raw environment → typed config. Unknown variables are ignored. */
export const ingressEnvSchema = z.object({
  ...regionEnvShape,
  ...natsEnvShape,
  PORT: envInt('PORT', 8080, 0, 65535),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('0.0.0.0'),
  WA_APP_SECRETS: list('WA_APP_SECRETS'),
  WA_VERIFY_TOKEN: z.string({ error: 'WA_VERIFY_TOKEN is required' }).min(1, 'WA_VERIFY_TOKEN must not be empty'),
  BODY_LIMIT_BYTES: envInt('BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
  PUBLISH_TIMEOUT_MS: envInt('PUBLISH_TIMEOUT_MS', 5000, 100, 120_000),
  MAX_IN_FLIGHT: envInt('MAX_IN_FLIGHT', DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
  PUBLISH_DISCONNECTED_GRACE_MS: envInt('PUBLISH_DISCONNECTED_GRACE_MS', 1000, 0, 120_000),
  LOG_LEVEL: envLogLevel,
});

export type IngressEnv = z.output<typeof ingressEnvSchema>;

/** What the ingress runs with; secrets stay inside this object and are never logged. */
export interface IngressConfig {
  region: string;
  shards: number;
  nats: NatsConfig;
  port: number;
  host: string;
  appSecrets: string[];
  verifyToken: string;
  bodyLimitBytes: number;
  publishTimeoutMs: number;
  /** Webhook requests open at once; more are answered 503 + Retry-After at once. */
  maxInFlight: number;
  /** While NATS is known to be down, how long a request waits for a reconnect before its 503. */
  disconnectedGraceMs: number;
  logLevel: string;
}

/** A bad or missing variable of the ingress (code E_ENV, `variables` names them). */
export const IngressEnvError = serviceEnvError('IngressEnvError');

export function loadIngressEnv(env: Record<string, string | undefined> = process.env): IngressConfig {
  const e = parseEnv(ingressEnvSchema, env, IngressEnvError);
  return {
    region: e.WAMESH_REGION,
    shards: e.WAMESH_SHARDS,
    nats: natsConfigOf(e, `wamesh-ingress ${e.WAMESH_REGION}`, IngressEnvError),
    port: e.PORT,
    host: e.HOST,
    appSecrets: e.WA_APP_SECRETS,
    verifyToken: e.WA_VERIFY_TOKEN,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    publishTimeoutMs: e.PUBLISH_TIMEOUT_MS,
    maxInFlight: e.MAX_IN_FLIGHT,
    disconnectedGraceMs: e.PUBLISH_DISCONNECTED_GRACE_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Service name and region for telemetry, read before anything else starts. */
export function telemetryOptions(env: Record<string, string | undefined> = process.env) {
  return { serviceName: 'wamesh-ingress', region: envRegion(env) };
}
