// The only reader of process.env in the ingress: one zod schema, parsed once at start-up.
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

const natsUrl = /^(nats|tls|ws|wss):\/\/[^\s,]+$|^[^\s,:/]+:\d+$/;

/** Raw environment → typed config. Unknown variables are ignored. */
export const ingressEnvSchema = z.object({
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
  PORT: int('PORT', 8080, 0, 65535),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('0.0.0.0'),
  WA_APP_SECRETS: list('WA_APP_SECRETS'),
  WA_VERIFY_TOKEN: z.string({ error: 'WA_VERIFY_TOKEN is required' }).min(1, 'WA_VERIFY_TOKEN must not be empty'),
  BODY_LIMIT_BYTES: int('BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
  PUBLISH_TIMEOUT_MS: int('PUBLISH_TIMEOUT_MS', 5000, 100, 120_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type IngressEnv = z.output<typeof ingressEnvSchema>;

/** What the ingress runs with; secrets stay inside this object and are never logged. */
export interface IngressConfig {
  region: string;
  shards: number;
  nats: {
    servers: string[];
    name: string;
    user?: string;
    pass?: string;
    token?: string;
    credsFile?: string;
    tls?: { caFile?: string; certFile?: string; keyFile?: string };
  };
  port: number;
  host: string;
  appSecrets: string[];
  verifyToken: string;
  bodyLimitBytes: number;
  publishTimeoutMs: number;
  logLevel: string;
}

/** A bad or missing variable: the message names it, so start-up says what to fix. */
export class IngressEnvError extends Error {
  override name = 'IngressEnvError';
  readonly code = 'E_ENV';
  readonly variables: string[];
  constructor(variables: string[], message: string) {
    super(message);
    this.variables = variables;
  }
}

export function loadIngressEnv(env: Record<string, string | undefined> = process.env): IngressConfig {
  const parsed = ingressEnvSchema.safeParse(env);
  if (!parsed.success) {
    const variables = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))];
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      // Say which variable; the value is not echoed (it may be a secret).
      return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new IngressEnvError(variables, `invalid environment: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  if (e.NATS_TLS_CERT !== undefined && e.NATS_TLS_KEY === undefined) {
    throw new IngressEnvError(['NATS_TLS_KEY'], 'invalid environment: NATS_TLS_KEY is required with NATS_TLS_CERT');
  }
  const config: IngressConfig = {
    region: e.WAMESH_REGION,
    shards: e.WAMESH_SHARDS,
    nats: { servers: e.NATS_URLS, name: `wamesh-ingress ${e.WAMESH_REGION}` },
    port: e.PORT,
    host: e.HOST,
    appSecrets: e.WA_APP_SECRETS,
    verifyToken: e.WA_VERIFY_TOKEN,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    publishTimeoutMs: e.PUBLISH_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
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
  return { serviceName: 'wamesh-ingress', region: region && REGION.test(region) ? region : 'unknown' };
}
