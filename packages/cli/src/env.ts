import { z } from 'zod';

// The only module of the cli that reads process.env: parsed once, typed after.
const schema = z.object({
  /** Where `.wamesh/` lives; defaults to the workspace root found from the working directory. */
  WAMESH_HOME: z.string().min(1).optional(),
  MONGODB_URI: z.string().min(1).optional(),
  MONGODB_DB: z.string().min(1).default('wamesh'),
  /** Used by provision/status/trace when neither a flag nor a dev mesh says where NATS is. */
  NATS_URLS: z.string().min(1).optional(),
  /** The nats-server binary `wamesh dev` starts. */
  NATS_SERVER_BIN: z.string().min(1).default('nats-server'),
  LOG_LEVEL: z.string().min(1).default('info'),
});

export type CliEnv = z.infer<typeof schema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`bad environment variable ${String(issue?.path[0])}: ${issue?.message}`);
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
    if (k.startsWith('WAMESH_') || k.startsWith('NATS_') || k === 'PORT' || k === 'HOST') continue;
    out[k] = v;
  }
  return out;
}
