import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { clientUrl, configPath, renderServerConfig, type ServerSpec } from './config.ts';
import { killAllOnExit } from './reaper.ts';
import { until } from './until.ts';

const LOG_LINES = 300;

/** One nats-server process; stop/kill/restart keep its ports and store dir. */
export class NatsServer {
  readonly spec: ServerSpec;
  readonly bin: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log: string[] = [];

  constructor(spec: ServerSpec, bin = 'nats-server') {
    this.spec = spec;
    this.bin = bin;
  }

  get name(): string {
    return this.spec.name;
  }
  get url(): string {
    return clientUrl(this.spec);
  }
  get monitorUrl(): string {
    return `http://${this.spec.host}:${this.spec.httpPort}`;
  }
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  /** Writes the config, spawns the server and waits until its client port accepts connections. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.running) return;
    mkdirSync(this.spec.dir, { recursive: true });
    writeFileSync(configPath(this.spec), renderServerConfig(this.spec));
    const child = spawn(this.bin, ['-c', configPath(this.spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    killAllOnExit.add(child);
    const capture = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.#log.push(line);
      if (this.#log.length > LOG_LINES) this.#log.splice(0, this.#log.length - LOG_LINES);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        killAllOnExit.delete(child);
        resolve();
      });
      child.once('error', (err) => {
        this.#log.push(`spawn error: ${err.message}`);
        killAllOnExit.delete(child);
        resolve();
      });
    });
    // Our own monitoring answer first: a port someone else holds also accepts connections.
    const deadline = Date.now() + timeoutMs;
    await until('monitoring port', async () => (await this.monitor('/varz'))?.['server_name'] === this.name, deadline, this);
    await until('client port open', () => portOpen(this.spec.host, this.spec.port), deadline, this);
  }

  /** Graceful stop (SIGTERM), SIGKILL when it takes longer than graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.#child?.kill('SIGCONT');
    this.#child?.kill('SIGTERM');
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Hard kill (SIGKILL), like a crashed node: no goodbye to clients or peers. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /**
   * Freezes the process (SIGSTOP): sockets stay open but nothing answers, like a hung node.
   * Resolves once every thread is stopped: the signal lands asynchronously, and on a busy
   * machine a request sent right after kill() could otherwise still be answered.
   */
  async pause(timeoutMs = 5_000): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.#child?.kill('SIGSTOP');
    await until('all threads stopped', async () => allThreadsStopped(pid), Date.now() + timeoutMs, this);
  }

  /** Thaws a paused process (SIGCONT). */
  resume(): void {
    if (this.running) this.#child?.kill('SIGCONT');
  }

  /** Stop (if running) and start again on the same ports and store dir, then wait until healthy. */
  async restart(timeoutMs = 30_000): Promise<void> {
    await this.stop();
    await this.start(timeoutMs);
    await this.waitHealthy(timeoutMs);
  }

  /** /healthz answers ok: JetStream enabled and, when clustered, current with its meta leader. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await until('/healthz ok', async () => (await this.monitor('/healthz')) !== undefined, Date.now() + timeoutMs, this);
  }

  /** GET a monitoring endpoint; undefined when it is not (yet) answering 200. */
  async monitor(path: string): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await fetch(`${this.monitorUrl}${path}`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) return undefined;
      return (await res.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** The last lines the server logged (stderr, or its log file), for failure messages. */
  logs(): string {
    const file = this.spec.logFile;
    if (file && existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      return [...this.#log, ...lines.slice(-LOG_LINES)].join('\n');
    }
    return this.#log.join('\n');
  }
}


function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(1_000, () => done(false));
  });
}

/** Every thread of `pid` is in state T (stopped), read from /proc. */
function allThreadsStopped(pid: number): boolean {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  });
}
