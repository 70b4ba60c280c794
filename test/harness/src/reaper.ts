import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// If a test process dies without running its teardown (crash, timeout, Ctrl-C), its
// nats-servers and temp dirs must not outlive it: kill and remove them on exit.
export const killAllOnExit = new Set<ChildProcess>();
export const removeOnExit = new Set<string>();

let installed = false;
export function installReaper(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const child of killAllOnExit) child.kill('SIGKILL');
    for (const dir of removeOnExit) rmSync(dir, { recursive: true, force: true });
  });
}
