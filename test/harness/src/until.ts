import { setTimeout as sleep } from 'node:timers/promises';

/** What the poll watches besides its check: a server that exits makes waiting pointless. */
export interface Watched {
  name: string;
  readonly running: boolean;
  logs(): string;
}

/**
 * Polls `check` until it holds or `deadline` (epoch ms) passes, failing at once if `watched`
 * exits; the error names what never happened and carries the server's last log lines.
 * The one poller outside vitest: the harness also runs in the benches (plain node), where
 * expect.poll and vi.waitFor do not exist; tests use those instead.
 */
export async function until(what: string, check: () => Promise<boolean>, deadline: number, watched?: Watched): Promise<void> {
  const log = () => (watched ? `\n--- ${watched.name} log ---\n${watched.logs()}` : '');
  for (;;) {
    if (watched && !watched.running) throw new Error(`${watched.name} exited while waiting for ${what}${log()}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log()}`);
    await sleep(50);
  }
}
