import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const processInfo = z.object({ name: z.string(), pid: z.number().int() });

const regionState = z.object({
  region: z.string(),
  cluster: z.string(),
  natsUrl: z.string(),
  ingressUrl: z.string(),
  consumerUrl: z.string(),
});

/** What `wamesh dev` leaves in `.wamesh/dev.json` so the other subcommands find the mesh. */
export const devStateSchema = z.object({
  version: z.literal(1),
  pid: z.number().int(),
  startedAt: z.string(),
  shards: z.number().int().positive(),
  store: z.enum(['kv', 'mongo']),
  mongoUri: z.string().optional(),
  mongoDb: z.string().optional(),
  appSecret: z.string(),
  verifyToken: z.string(),
  regions: z.array(regionState).min(1),
  processes: z.array(processInfo),
});

export type DevState = z.infer<typeof devStateSchema>;
export type RegionState = z.infer<typeof regionState>;

export const stateFile = (home: string): string => join(home, 'dev.json');

export function writeDevState(home: string, state: DevState): void {
  mkdirSync(home, { recursive: true });
  // It holds the app secret: readable by its owner only.
  writeFileSync(stateFile(home), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function removeDevState(home: string, pid: number): void {
  // Only the mesh that wrote it removes it: a second `dev` that refused to start must not.
  const current = readDevStateFile(home);
  if (current && current.pid === pid) rmSync(stateFile(home), { force: true });
}

function readDevStateFile(home: string): DevState | null {
  let raw: string;
  try {
    raw = readFileSync(stateFile(home), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = devStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running mesh's state, or null when there is none (no file, or its process is gone). */
export function readDevState(home: string): DevState | null {
  const state = readDevStateFile(home);
  return state && isAlive(state.pid) ? state : null;
}
