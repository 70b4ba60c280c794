import { z } from 'zod';
import { CliError } from './errors.ts';

// The only module of the cli that reads process.env: parsed once, typed after.
const schema = z.object({
  /** Where `.wamesh/` lives; defaults to the workspace root found from the working directory. */
  WAMESH_HOME: z.string().min(1).optional(),
  MONGODB_URI: z.string().min(1).optional(),
  MONGODB_DB: z.string().min(1).default('wamesh'),
  /** Used by provision/status/trace when neither a flag nor a dev mesh says where NATS is. */
  NATS_URLS: z.string().min(1).optional(),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASS: z.string().min(1).optional(),
  NATS_TOKEN: z.string().min(1).optional(),
  NATS_CREDS: z.string().min(1).optional(),
  NATS_TLS_CA: z.string().min(1).optional(),
  NATS_TLS_CERT: z.string().min(1).optional(),
  NATS_TLS_KEY: z.string().min(1).optional(),
  /** The nats-server binary `wamesh dev` starts. */
  NATS_SERVER_BIN: z.string().min(1).default('nats-server'),
  /** `wamesh simulate` signs with the first one when no dev mesh or --app-secret says. */
  WA_APP_SECRETS: z.string().min(1).optional(),
  LOG_LEVEL: z.string().min(1).default('info'),
  /** https://no-color.org: any value turns colours off. */
  NO_COLOR: z.string().optional(),
});

export type CliEnv = z.infer<typeof schema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  // An empty variable means unset (compose and k8s often pass `FOO=`).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('E_USAGE', `bad environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * The environment children of `wamesh dev` start from: this process's, so PATH, OTEL_*
 * and friends pass through, minus what would contradict the mesh's own settings.
 */
export function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(WAMESH_|NATS_|WA_|MONGODB_)/.test(k) || ['PORT', 'HOST', 'STORE'].includes(k)) continue;
    out[k] = v;
  }
  return out;
}
