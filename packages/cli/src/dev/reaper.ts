// Runs beside `wamesh dev` in its own session. The parent writes `+<pgid>` / `-<pgid>` lines
// on our stdin as it starts and stops children; when stdin ends (the parent exited,
// however it died: even SIGKILL closes the pipe) every group still registered is stopped,
// so children never outlive the mesh.
import { createInterface } from 'node:readline';

const groups = new Set<number>();
const graceMs = Number(process.argv[2] ?? 5000);

const alive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const signal = (pgid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
};

async function reapAll(): Promise<void> {
  for (const g of groups) signal(g, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while ([...groups].some(alive) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const g of groups) if (alive(g)) signal(g, 'SIGKILL');
}

// The terminal's Ctrl-C belongs to the parent, which stops the children in order.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const pgid = Number(line.slice(1));
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (line.startsWith('+')) groups.add(pgid);
  else if (line.startsWith('-')) groups.delete(pgid);
});
lines.on('close', () => {
  reapAll().finally(() => process.exit(0));
});
