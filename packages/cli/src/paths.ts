import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The workspace root above `from` (where pnpm-workspace.yaml is), else `from` itself. */
export function projectRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from);
    dir = up;
  }
}

/** The project-local folder for dev data, logs and the state file. */
export function wameshHome(override?: string): string {
  return override ? resolve(override) : join(projectRoot(), '.wamesh');
}

/** The repository root as seen from this file, to find the services' entry points. */
export const repoRoot = resolve(import.meta.dirname, '../../..');
