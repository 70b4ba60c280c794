// `wamesh dev` in the foreground. It checks what it can up front (refusing with a clear
// message), then starts the mesh host in a session of its own and only relays signals:
// the terminal's Ctrl-C reaches this process alone, and the host stops its children in
// order (ingress, consumers, NATS). Every process group the host starts is registered
// here, so if the host dies this process reaps them; if this process dies, the host sees
// its IPC channel close and stops everything itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sleep } from '@wamesh/bus';
import { CliError } from '../errors.ts';
import { takenPorts } from '../ports.ts';
import { readDevState, stateFile } from '../state.ts';
import type { Io } from '../io.ts';
import { assertNatsServer, type DevConfig, planDev, portTakenMessage } from './plan.ts';
import { groupAlive, signalGroup } from './supervisor.ts';

/** Messages the host sends up the IPC channel. */
export type HostMessage =
  | { type: 'group'; pgid: number; name: string }
  | { type: 'ungroup'; pgid: number }
  | { type: 'ready' };

export async function runDev(cfg: DevConfig, io: Io): Promise<number> {
  const running = readDevState(cfg.home);
  if (running) {
    throw new CliError(
      'E_PORT_TAKEN',
      `wamesh dev: a mesh is already running from ${stateFile(cfg.home)} (pid ${running.pid}, started ${running.startedAt}).\n` +
        `Stop it first (Ctrl-C in its terminal, or kill ${running.pid}).`,
    );
  }
  assertNatsServer(cfg.natsBin);
  const plan = await planDev(cfg);
  const taken = await takenPorts(plan.claims);
  if (taken.length) throw new CliError('E_PORT_TAKEN', portTakenMessage(taken, cfg.portBase));

  const host = spawn(process.execPath, [join(import.meta.dirname, 'host.ts')], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const groups = new Map<number, string>();
  host.on('message', (m: HostMessage) => {
    if (m.type === 'group') groups.set(m.pgid, m.name);
    else if (m.type === 'ungroup') groups.delete(m.pgid);
  });
  const exited = new Promise<number>((resolve) => {
    host.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    host.once('error', (err) => {
      io.err(`wamesh dev: could not start the mesh host: ${err.message}`);
      resolve(1);
    });
  });
  host.send({ type: 'start', cfg });

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      io.err(`wamesh dev: ${sig}, stopping (again to kill at once)`);
      if (host.pid) process.kill(host.pid, 'SIGTERM');
    } else {
      reap(host.pid, groups, 'SIGKILL');
    }
  };
  const handled: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of handled) process.on(s, onSignal);
  try {
    const code = await exited;
    // A clean host has emptied `groups`; after a crash whatever is left goes now.
    if (host.pid && (groups.size > 0 || groupAlive(host.pid))) {
      if (code !== 0) io.err('wamesh dev: the mesh host stopped uncleanly; stopping what it left running');
      reap(host.pid, groups, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && [host.pid, ...groups.keys()].some(groupAlive)) await sleep(50);
      reap(host.pid, groups, 'SIGKILL');
    }
    return code;
  } finally {
    for (const s of handled) process.off(s, onSignal);
  }
}

function reap(hostPid: number | undefined, groups: Map<number, string>, sig: NodeJS.Signals): void {
  for (const pgid of groups.keys()) signalGroup(pgid, sig);
  // nats-server processes live in the host's own group.
  if (hostPid) signalGroup(hostPid, sig);
}
