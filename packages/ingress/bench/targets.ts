// Each benchmark target runs in a fresh process of its own, started with the ingress's node
// flags: in one shared process the targets skewed each other (the ingress measured ~25 % slower
// after the others had run, from their JIT feedback and heap), and (c) is then main.ts exactly
// as deployed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sleep } from '@wamesh/bus';
import { freePorts } from '@wamesh/nats-harness';
import { INGRESS_MAIN, INGRESS_NODE_FLAGS } from '../src/runtime.ts';
import type { Sample } from './measure.ts';
import type { RawPublishOptions } from './raw-publish.ts';
import type { ServerOptions } from './servers.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface HttpTarget {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function start(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...INGRESS_NODE_FLAGS, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: env ?? process.env });
}

function stopper(child: ChildProcess) {
  return async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
}

/** (a) or (c0): servers.ts, which prints its URL once it listens. */
export async function startBenchServer(opts: ServerOptions): Promise<HttpTarget> {
  const child = start([here('./servers.ts'), JSON.stringify(opts)]);
  const [url] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url, pid: child.pid!, stop: stopper(child) };
}

/** (c): the ingress's main.ts, configured by its environment, once /readyz answers 200. */
export async function startIngress(env: Record<string, string>): Promise<HttpTarget> {
  const [port] = await freePorts(1);
  const child = start([INGRESS_MAIN], { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' });
  child.stdout!.resume(); // its JSON log lines
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20_000; ; ) {
    if (child.exitCode !== null) throw new Error(`ingress exited ${child.exitCode}`);
    const status = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error('ingress not ready within 20 s');
    await sleep(100);
  }
  return { url: `${base}/webhook`, pid: child.pid!, stop: stopper(child) };
}

/** (b): raw-publish.ts, kept running; each call is one measured run. */
export function startRawPublisher(opts: RawPublishOptions) {
  const child = start([here('./raw-publish.ts'), JSON.stringify(opts)]);
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async run(warmupSec: number): Promise<Sample> {
      child.stdin!.write(`${JSON.stringify({ warmupSec })}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('raw publisher exited');
      return JSON.parse(next.value) as Sample;
    },
    async stop() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
