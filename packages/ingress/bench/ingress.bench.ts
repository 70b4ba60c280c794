// pnpm bench:ingress — one run, one nats-server from the harness, each target and the load
// generator in processes of their own. Targets, measured in rounds (a, b, c0, c each round)
// because the machine is noisy:
//   (a)  a bare Fastify POST route answering 200,
//   (b)  raw JetStream publishes of the same events with the same client (js.publish, window W),
//   (c0) a Fastify route doing one durable publish with the bus publisher and nothing else,
//   (c)  the ingress as deployed (main.ts): signature, validation, spans, metrics, durable publish.
// Then (c) in rounds again, paced at half its median peak, for latency at that rate.
// Options: --duration S (8), --warmup S (3), --rounds R (3), --connections N (64),
// --events E per request (1), --window W (= connections × events), --only a,b,c0,c.
import { parseArgs } from 'node:util';
import { connectNats, ensureTopology, regionTopology, silentLogger } from '@wamesh/bus';
import { startServer } from '@wamesh/nats-harness';
import { httpMeter, type Sample } from './measure.ts';
import { machineLine, medianOf, printTable, ratio, type Target } from './report.ts';
import { type HttpTarget, startBenchServer, startIngress, startRawPublisher } from './targets.ts';

const { values: args } = parseArgs({
  // `pnpm bench:ingress -- --rounds 1` hands the script the `--` too.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    events: { type: 'string', default: '1' },
    window: { type: 'string' },
    only: { type: 'string', default: 'a,b,c0,c' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const EVENTS = Number(args.events);
const WINDOW = Number(args.window ?? CONNECTIONS * EVENTS);
const ONLY = new Set(args.only.split(','));
const REGION = 'bench';
const SHARDS = 16;
const SECRET = 'bench-app-secret';

const mesh = await startServer();
const natsPid = mesh.servers[0]?.pid ?? 0;
const stops: (() => Promise<void>)[] = [];
try {
  const nc = await connectNats({ servers: mesh.urls, name: 'wamesh-bench' }, silentLogger);
  await ensureTopology(nc, regionTopology({ region: REGION, shards: SHARDS, replicas: 1, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000 }));
  console.log(
    `ingress bench: ${CONNECTIONS} connections, ${EVENTS} event(s)/request, ${ROUNDS} rounds of ${DURATION}s (+${WARMUP}s warm-up the first time), publish window ${WINDOW}, nats-server ${nc.info?.version}`,
  );
  await nc.close();

  const measure = httpMeter({ natsPid, connections: CONNECTIONS, eventsPerRequest: EVENTS, durationSec: DURATION, warmupSec: WARMUP, secret: SECRET });
  const runId = (tag: string) => `${process.pid.toString(36)}${tag}`;
  const started = <T extends { stop(): Promise<void> }>(t: T) => {
    stops.push(() => t.stop());
    return t;
  };
  const http = (key: string, title: string, server: HttpTarget) => ({ key, title, samples: [] as Sample[], run: (w: boolean) => measure(key, server, w) });

  const targets: (Target & { run: (warmup: boolean) => Promise<Sample> })[] = [];
  if (ONLY.has('a')) targets.push(http('a', '(a) bare Fastify POST → 200', started(await startBenchServer({ kind: 'a', natsUrls: mesh.urls, region: REGION, shards: SHARDS, runId: runId('a') }))));
  if (ONLY.has('b')) {
    const raw = started(startRawPublisher({ natsUrls: mesh.urls, natsPid, region: REGION, shards: SHARDS, window: WINDOW, durationSec: DURATION, runId: runId('b') }));
    targets.push({ key: 'b', title: `(b) raw js.publish, window ${WINDOW} (per publish)`, samples: [], run: (w) => raw.run(w ? WARMUP : 0) });
  }
  if (ONLY.has('c0')) targets.push(http('c0', '(c0) Fastify route + bus publish only', started(await startBenchServer({ kind: 'c0', natsUrls: mesh.urls, region: REGION, shards: SHARDS, runId: runId('f') }))));
  // (c) as main.ts runs in production: telemetry on without an exporter, info logs.
  const ingress = ONLY.has('c')
    ? started(await startIngress({ WAMESH_REGION: REGION, WAMESH_SHARDS: String(SHARDS), NATS_URLS: mesh.urls.join(','), WA_APP_SECRETS: SECRET, WA_VERIFY_TOKEN: 'bench', LOG_LEVEL: 'info' }))
    : undefined;
  if (ingress) targets.push(http('c', '(c) ingress: verify, validate, publish', ingress));

  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) t.samples.push(await t.run(round === 0));
  }

  const byKey = (k: string) => targets.find((t) => t.key === k);
  const c = byKey('c');
  const half = c ? Math.round(medianOf(c, (s) => s.rps) / 2) : 0;
  const halfTarget: Target = { key: 'c/2', title: `(c) paced at half its peak, ${half} req/s`, samples: [] };
  // In rounds too: at this rate one stall of ~80 ms (a GC pause, nats-server's disk) queues 1 %
  // of a run's requests, so a single run's p99 says more about luck than about the ingress.
  for (let round = 0; ingress && half > 0 && round < ROUNDS; round++) halfTarget.samples.push(await measure('c/2', ingress, round === 0, half));

  console.log('');
  printTable([...targets, halfTarget]);
  console.log('');
  const ratios: [string, string | undefined, string][] = [
    ['c/b  ingress vs raw durable publish', ratio(c, byKey('b')), `goal ≥ 0.60${EVENTS === 1 ? '' : ' (stated for 1 event/request)'}`],
    ['c/a  ingress vs bare HTTP', ratio(c, byKey('a')), ''],
    ['c0/b floor (HTTP + one publish) vs raw publish', ratio(byKey('c0'), byKey('b')), 'the most any ingress gets here'],
    ['c/c0 what the ingress keeps of the floor', ratio(c, byKey('c0')), ''],
  ];
  for (const [name, value, note] of ratios) if (value) console.log(`${name.padEnd(48)} ${value}   ${note}`);
  if (halfTarget.samples.length) {
    const p99s = halfTarget.samples.map((s) => s.p99.toFixed(1)).join(', ');
    console.log(`p99 at half of c's peak (paced, from due time): ${medianOf(halfTarget, (s) => s.p99).toFixed(1)} ms (rounds: ${p99s})   goal < 20 ms`);
  }
  console.log(machineLine());
} finally {
  for (const stop of stops) await stop();
  await mesh.stop();
}
