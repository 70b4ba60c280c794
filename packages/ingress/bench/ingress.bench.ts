// pnpm bench:ingress — one run, one nats-server from the harness, autocannon as a second
// process: (a) a bare Fastify POST route, (b) raw windowed JetStream publishes of the same
// events on the same client, (c) the ingress (signature, validation, durable publish).
// Options: --duration S (default 10), --connections N (64), --events E (1), --window W (= connections × events),
// --warmup S (3), --only a,b,c. Besides rates and latencies it prints the CPU each party spent per
// event (this process, nats-server, the load generator) and this process's event-loop utilisation:
// on a 2-core machine the three share the cores, so (c) also pays for its own load generator.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { connectNats, createPublisher, encodeMeta, ensureTopology, regionTopology, silentLogger } from '@wamesh/bus';
import { normalize, parseWebhook, shardOf, subjectOf, type WaEvent } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { createLogger, createMetrics, startTelemetry } from '@wamesh/telemetry';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { natsReadiness } from '../src/readiness.ts';
import { bodyFactory } from './bodies.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    events: { type: 'string', default: '1' },
    window: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string', default: 'a,b,c' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const EVENTS = Number(args.events);
const WINDOW = Number(args.window ?? CONNECTIONS * EVENTS);
const REGION = 'bench';
const SHARDS = 16;
const SECRET = 'bench-app-secret';
const ONLY = new Set(args.only.split(','));
const LOADGEN = fileURLToPath(new URL('./loadgen.ts', import.meta.url));

interface Row {
  name: string;
  rps: number;
  eps: number;
  p50: number;
  p99: number;
  /** CPU time of this process (the server, or the publisher in b) per event, µs. */
  cpu: number;
  /** nats-server and load generator CPU per event, µs; event-loop utilisation of this process. */
  natsCpu: number;
  loadCpu: number;
  elu: number;
  note?: string;
}

interface LoadResult {
  cpuMicros: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

let runs = 0;
/** autocannon in a child process against `url`; bodies unique per run (no dedup shortcut). */
function load(url: string, durationSec: number, rate?: number): Promise<LoadResult> {
  const opts = {
    url,
    connections: CONNECTIONS,
    durationSec,
    rate,
    runId: `${process.pid.toString(36)}r${++runs}`,
    eventsPerRequest: EVENTS,
    secret: SECRET,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADGEN, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`loadgen exited ${code}`))));
  });
}

interface Usage {
  cpu: number;
  natsCpu: number;
  loadCpu: number;
  elu: number;
}

async function measure(name: string, url: string, rate?: number): Promise<LoadResult & Usage> {
  if (WARMUP > 0) await load(url, WARMUP, rate);
  const cpu0 = process.cpuUsage();
  const nats0 = natsCpuMicros();
  const elu0 = performance.eventLoopUtilization();
  const r = await load(url, DURATION, rate);
  const used = process.cpuUsage(cpu0);
  const nats = natsCpuMicros() - nats0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) console.error(`  ${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts ${JSON.stringify(r.statusCodeStats)}`);
  const events = Math.max(1, r.requests * EVENTS);
  return { ...r, cpu: (used.user + used.system) / events, natsCpu: nats / events, loadCpu: r.cpuMicros / events, elu };
}

/** CPU time nats-server has used so far, µs (from /proc; 0 where there is none). */
let natsPid: number | undefined;
function natsCpuMicros(): number {
  try {
    const fields = readFileSync(`/proc/${natsPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const mesh = await startServer();
natsPid = mesh.servers[0]!.pid;
const rows: Row[] = [];
try {
  const nc = await connectNats({ servers: mesh.urls, name: 'wamesh-bench' }, silentLogger, { overrides: { noAsyncTraces: true } });
  await ensureTopology(nc, regionTopology({ region: REGION, shards: SHARDS, replicas: 1, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000 }));
  console.log(
    `ingress bench: ${CONNECTIONS} connections, ${EVENTS} event(s)/request, ${DURATION}s (+${WARMUP}s warm-up), publish window ${WINDOW}, nats-server ${nc.info?.version}`,
  );

  // (a) bare Fastify: same bodies, read as bytes, answered 200.
  if (ONLY.has('a')) {
    const bare = Fastify();
    bare.removeAllContentTypeParsers();
    bare.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
    bare.post('/webhook', async () => 'ok');
    const url = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/webhook`;
    const r = await measure('a', url);
    rows.push({ name: '(a) bare Fastify POST → 200', rps: r.rps, eps: r.rps * EVENTS, p50: r.p50, p99: r.p99, cpu: r.cpu, natsCpu: 0, loadCpu: r.loadCpu, elu: r.elu });
    await bare.close();
  }

  // (b) raw JetStream publishes of the same events, same client, WINDOW in flight.
  if (ONLY.has('b')) {
    // The same events as the bodies carry: one parsed for real, then copies with a fresh id,
    // wamid and shard per publish (unique, so no duplicate shortcut; no big heap to collect).
    const parsed = parseWebhook(JSON.parse(bodyFactory({ runId: 'tpl', eventsPerRequest: 1, secret: SECRET })(0).body));
    if (!parsed.ok) throw new Error(parsed.error);
    const template = normalize(parsed.webhook, SHARDS).events[0]!;
    const tag = `${process.pid.toString(36)}raw`;
    let made = 0;
    const nextEvent = (): WaEvent => {
      const wamid = `${template.wamid}${tag}${(made++).toString(36)}`;
      return { ...template, id: `status-${tag}-${made}`, wamid, key: wamid, shard: shardOf(wamid, SHARDS) };
    };
    const js = jetstream(nc);
    const latencies: number[] = [];
    let failed = 0;
    const run = async (until: number, record: boolean) => {
      const worker = async () => {
        while (performance.now() < until) {
          const event = nextEvent();
          const t0 = performance.now();
          try {
            await js.publish(subjectOf(REGION, event.kind, event.shard), JSON.stringify(event), {
              msgID: event.id,
              headers: encodeMeta({ region: REGION, receivedAt: Date.now() }),
              timeout: 5_000,
            });
            if (record) latencies.push(performance.now() - t0);
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    };
    await run(performance.now() + WARMUP * 1000, false);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const nats0 = natsCpuMicros();
    const elu0 = performance.eventLoopUtilization();
    await run(t0 + DURATION * 1000, true);
    const secs = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const nats = natsCpuMicros() - nats0;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    if (failed) console.error(`  b: ${failed} publishes failed`);
    latencies.sort((x, y) => x - y);
    const eps = latencies.length / secs;
    rows.push({ name: `(b) raw JetStream publish, window ${WINDOW}`, rps: eps / EVENTS, eps, p50: pct(latencies, 50), p99: pct(latencies, 99), cpu: (used.user + used.system) / Math.max(1, latencies.length), natsCpu: nats / Math.max(1, latencies.length), loadCpu: 0, elu, note: 'latency per publish' });
  }

  // (c) the ingress as deployed: telemetry on (spans made, no exporter), info logs (to /dev/null).
  if (ONLY.has('c')) {
    const telemetry = startTelemetry({ serviceName: 'wamesh-ingress', region: REGION, env: {} });
    const logger = createLogger({ service: 'wamesh-ingress', region: REGION, destination: '/dev/null' });
    const app = buildApp({
      config: { region: REGION, shards: SHARDS, appSecrets: [SECRET], verifyToken: 'bench', bodyLimitBytes: 1_048_576 },
      publisher: createPublisher(nc, { timeoutMs: 5_000 }),
      readiness: natsReadiness(nc, `WA_${REGION.toUpperCase()}`),
      logger,
      metrics: createMetrics({ service: 'wamesh-ingress', region: REGION }),
    });
    const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhook`;
    const peak = await measure('c', url);
    rows.push({ name: '(c) ingress: verify + validate + durable publish', rps: peak.rps, eps: peak.rps * EVENTS, p50: peak.p50, p99: peak.p99, cpu: peak.cpu, natsCpu: peak.natsCpu, loadCpu: peak.loadCpu, elu: peak.elu });
    const half = Math.max(1, Math.round(peak.rps / 2));
    const halfRun = await measure('c/2', url, half);
    rows.push({ name: `(c) at half its peak (${half} req/s)`, rps: halfRun.rps, eps: halfRun.rps * EVENTS, p50: halfRun.p50, p99: halfRun.p99, cpu: halfRun.cpu, natsCpu: halfRun.natsCpu, loadCpu: halfRun.loadCpu, elu: halfRun.elu });
    await app.close();
    await telemetry.shutdown();
  }
  await nc.close();
} finally {
  await mesh.stop();
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log('');
console.log(
  `${'run'.padEnd(50)} ${'req/s'.padStart(7)} ${'events/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  ${'CPU µs per event: node'.padStart(22)} ${'nats'.padStart(5)} ${'load'.padStart(5)}  ${'ELU'.padStart(4)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(50)} ${fmt(r.rps).padStart(7)} ${fmt(r.eps).padStart(8)} ${fmt(r.p50, 2).padStart(7)} ${fmt(r.p99, 2).padStart(7)}  ${fmt(r.cpu).padStart(22)} ${fmt(r.natsCpu).padStart(5)} ${fmt(r.loadCpu).padStart(5)}  ${fmt(r.elu, 2).padStart(4)}${r.note ? `  (${r.note})` : ''}`,
  );
}
const find = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
const [a, b, c, half] = [find('(a)'), find('(b)'), find('(c) ingress'), find('(c) at half')];
console.log('');
if (a && c) console.log(`c/a (req/s):    ${fmt(c.rps / a.rps, 2)}`);
if (b && c) console.log(`c/b (events/s): ${fmt(c.eps / b.eps, 2)}   goal ≥ 0.60${EVENTS === 1 ? '' : ' (stated for 1 event/request)'}`);
if (half) console.log(`p99 at half of c's peak: ${fmt(half.p99, 2)} ms   goal < 20 ms`);
console.log(`load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);
