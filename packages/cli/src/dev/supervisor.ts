import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep } from '@wamesh/bus';

export interface ChildSpec {
  /** Shown to the user and in logs, e.g. "consumer eu-west". */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr go here (appended), so a child never blocks on a dead parent's pipe. */
  logFile: string;
}

export interface Child {
  spec: ChildSpec;
  pid: number;
  /** Resolves when the process exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running: boolean;
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // the group is already gone
  }
}

/** Told about every process group started and stopped, so someone can reap them if we die. */
export interface GroupRegistry {
  started(pgid: number, name: string): void;
  stopped(pgid: number): void;
}

/**
 * Starts children each in a process group of their own, so a terminal's Ctrl-C reaches only
 * us and we stop them in order, and tells the registry (the `wamesh dev` front process) about
 * each group so they are stopped even if we die without doing it.
 */
export class Supervisor {
  readonly children: Child[] = [];
  private readonly registry: GroupRegistry | undefined;
  private exitListener: ((child: Child, code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private stopping = false;

  constructor(registry?: GroupRegistry) {
    this.registry = registry;
  }

  /** Called once per child that exits while the mesh is not stopping. */
  onUnexpectedExit(listener: (child: Child, code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListener = listener;
  }

  start(spec: ChildSpec): Child {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    let proc: ChildProcess;
    try {
      proc = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      // spawn failures (ENOENT...) come as 'error' without 'exit'
      proc.once('error', () => resolve({ code: 127, signal: null }));
    });
    const child: Child = { spec, pid: proc.pid ?? -1, exited, running: proc.pid !== undefined };
    this.children.push(child);
    if (proc.pid !== undefined) this.registry?.started(proc.pid, spec.name);
    void exited.then(({ code, signal }) => {
      child.running = false;
      if (!this.stopping) this.exitListener?.(child, code, signal);
    });
    return child;
  }

  /** SIGTERM to each child's group, SIGKILL after graceMs; resolves when the groups are empty. */
  async stop(children: Child[], graceMs = 5000): Promise<void> {
    const live = children.filter((c) => c.pid > 0);
    for (const c of live) signalGroup(c.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (live.some((c) => c.running || groupAlive(c.pid)) && Date.now() < deadline) await sleep(50);
    for (const c of live) if (groupAlive(c.pid)) signalGroup(c.pid, 'SIGKILL');
    while (live.some((c) => c.running || groupAlive(c.pid))) await sleep(20);
    for (const c of live) this.registry?.stopped(c.pid);
  }

  /** Stops every child, in the stages given (e.g. ingress, then consumers, then NATS). */
  async stopAll(stages: Child[][], graceMs = 5000): Promise<void> {
    this.stopping = true;
    const staged = new Set(stages.flat());
    const rest = this.children.filter((c) => !staged.has(c));
    for (const stage of [rest, ...stages]) await this.stop(stage, graceMs);
  }
}

/** The last lines of a child's log, to show why it stopped. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
