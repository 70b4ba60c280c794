// One measurement of an HTTP target: the load generator in a child process, and the CPU that
// each party spent per event (the server's process, nats-server, the load generator), since on
// a 2-core machine they share the cores and the one that runs out first sets the rate.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LoadOptions, type LoadResult, MEASURING } from './load-protocol.ts';

const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

export interface Sample {
  rps: number;
  eps: number;
  p50: number;
  p99: number;
  /** CPU µs per event: the target's process (the server, or the publisher in b), nats-server, load generator. */
  cpu: number;
  natsCpu: number;
  loadCpu: number;
}

/** CPU time a process has used so far, µs (from /proc; 0 where there is none). */
export function cpuMicrosOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** A sample with the load generator's own result and the run id its bodies were made with. */
export interface Measured extends Sample {
  load: LoadResult;
  runId: string;
}

export interface HttpMeterOptions {
  natsPid: number;
  connections: number;
  eventsPerRequest: number;
  durationSec: number;
  warmupSec: number;
  secret: string;
}

// Body pool size for a target's first run; later runs use its last rate.
const FIRST_EXPECTED_RPS = 30_000;

export function httpMeter(opts: HttpMeterOptions) {
  let runs = 0;
  const lastRps = new Map<string, number>();

  /** Warm-up (if asked), then the measured run; at `rate` req/s (paced) or as fast as answered. */
  return function measure(
    name: string,
    server: { url: string; pid: number },
    warmup: boolean,
    rate?: number,
    extra?: Pick<LoadOptions, 'connections' | 'reportAccepted'>,
  ): Promise<Measured> {
    const { url } = server;
    const options: LoadOptions = {
      url,
      connections: opts.connections,
      ...extra,
      warmupSec: warmup ? opts.warmupSec : 0,
      durationSec: opts.durationSec,
      rate,
      expectedRps: lastRps.get(url) ?? FIRST_EXPECTED_RPS,
      // Bodies unique per run: no event is a duplicate of an earlier run's.
      runId: `${process.pid.toString(36)}r${++runs}`,
      eventsPerRequest: opts.eventsPerRequest,
      secret: opts.secret,
    };
    const child = spawn(process.execPath, ['--expose-gc', LOADGEN, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    // CPU meters run from the load generator's `measuring` line to its result line.
    const cpuNow = () => ({ server: cpuMicrosOf(server.pid), nats: cpuMicrosOf(opts.natsPid) });
    let from: ReturnType<typeof cpuNow> | undefined;
    let usage: ReturnType<typeof cpuNow> | undefined;
    let result: LoadResult | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === MEASURING) from = cpuNow();
      else {
        const to = cpuNow();
        usage = { server: to.server - (from?.server ?? 0), nats: to.nats - (from?.nats ?? 0) };
        result = JSON.parse(line) as LoadResult;
      }
    });
    return new Promise((resolve, reject) => {
      child.once('close', (code) => {
        if (code !== 0 || !result || !usage) return reject(new Error(`loadgen for ${name} exited ${code}`));
        const r = result;
        if (r.non2xx + r.errors > 0) console.error(`  ${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        if (!rate) lastRps.set(url, r.rps);
        const events = Math.max(1, r.requests * opts.eventsPerRequest);
        resolve({
          rps: r.rps,
          eps: r.rps * opts.eventsPerRequest,
          p50: r.p50,
          p99: r.p99,
          cpu: usage.server / events,
          natsCpu: usage.nats / events,
          loadCpu: r.cpuMicros / events,
          load: r,
          runId: options.runId,
        });
      });
    });
  };
}
