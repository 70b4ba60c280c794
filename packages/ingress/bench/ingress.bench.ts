// pnpm bench:ingress — one run, one nats-server from the harness, each target and the load
// generator in processes of their own. Targets, measured in rounds (a, b, c0, c each round)
// because the machine is noisy:
//   (a)  a bare Fastify POST route answering 200,
//   (b)  raw JetStream publishes of the same events with the same client (js.publish, window W),
//   (c0) a Fastify route doing one durable publish with the bus publisher and nothing else,
//   (c)  the ingress as deployed (main.ts): signature, validation, spans, metrics, durable publish.
//   (cs) optional: (c) against a second nats-server with `sync_interval: always` (fsync before
//        each ack; nats-server 2.10+, NATS_SERVER_BIN picks the binary for both servers).
// Then (c) in rounds again, paced at half its median peak, for latency at that rate, and once
// open-loop at twice that peak (over): p99 of the 200s, share of 503s, 200'd events all stored.
// Options: --duration S (8), --warmup S (3), --rounds R (3), --connections N (64),
// --events E per request (1), --window W (= connections × events), --only a,b,c0,c,over[,cs],
// --over-connections N (1024, more than MAX_IN_FLIGHT), --max-in-flight N (the ingress's default).
import { parseArgs } from 'node:util';
import { connectNats, ensureTopology, regionTopology, silentLogger } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { type NatsMesh, startServer } from '@wamesh/nats-harness';
import { httpMeter, type Sample } from './measure.ts';
import { formatOverload, lastSeq, overloadReport } from './overload.ts';
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
    only: { type: 'string', default: 'a,b,c0,c,over' },
    'over-connections': { type: 'string', default: '1024' },
    'max-in-flight': { type: 'string' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const EVENTS = Number(args.events);
const WINDOW = Number(args.window ?? CONNECTIONS * EVENTS);
const ONLY = new Set(args.only.split(','));
const OVER_CONNECTIONS = Number(args['over-connections']);
const REGION = 'bench';
const SHARDS = 16;
const SECRET = 'bench-app-secret';
// Both servers alike but for sync_interval, so (cs)/(c) is the cost of the fsync alone.
const JS_LIMITS = { maxMemory: 256 * 1024 * 1024, maxFile: 16 * 1024 * 1024 * 1024 };
const bin = process.env.NATS_SERVER_BIN ?? 'nats-server';

const mesh = await startServer({ bin, jetstream: JS_LIMITS });
const natsPid = mesh.servers[0]?.pid ?? 0;
const stops: (() => Promise<void>)[] = [() => mesh.stop()];
const provision = async (m: NatsMesh) => {
  const nc = await connectNats({ servers: m.urls, name: 'wamesh-bench' }, silentLogger);
  await ensureTopology(nc, regionTopology({ region: REGION, shards: SHARDS, replicas: 1, duplicateWindowMs: 120_000, maxAgeMs: 3_600_000 }));
  return nc;
};
try {
  const nc = await provision(mesh);
  console.log(
    `ingress bench: ${CONNECTIONS} connections, ${EVENTS} event(s)/request, ${ROUNDS} rounds of ${DURATION}s (+${WARMUP}s warm-up the first time), publish window ${WINDOW}, nats-server ${nc.info?.version}`,
  );

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
  const ingressEnv = (m: NatsMesh) => ({
    WAMESH_REGION: REGION,
    WAMESH_SHARDS: String(SHARDS),
    NATS_URLS: m.urls.join(','),
    WA_APP_SECRETS: SECRET,
    WA_VERIFY_TOKEN: 'bench',
    LOG_LEVEL: 'info',
    ...(args['max-in-flight'] ? { MAX_IN_FLIGHT: args['max-in-flight'] } : {}),
  });
  const ingress = ONLY.has('c') ? started(await startIngress(ingressEnv(mesh))) : undefined;
  if (ingress) targets.push(http('c', '(c) ingress: verify, validate, publish', ingress));
  if (ONLY.has('cs')) {
    try {
      const syncMesh = await startServer({ bin, jetstream: { ...JS_LIMITS, syncInterval: 'always' } });
      stops.push(() => syncMesh.stop());
      await (await provision(syncMesh)).close();
      const syncMeasure = httpMeter({ natsPid: syncMesh.servers[0]?.pid ?? 0, connections: CONNECTIONS, eventsPerRequest: EVENTS, durationSec: DURATION, warmupSec: WARMUP, secret: SECRET });
      const synced = started(await startIngress(ingressEnv(syncMesh)));
      targets.push({ key: 'cs', title: '(cs) ingress, nats-server sync_interval: always', samples: [], run: (w) => syncMeasure('cs', synced, w) });
    } catch (err) {
      const why = /unknown field "sync_interval"/.test(String(err)) ? `nats-server ${nc.info?.version} has no sync_interval (2.10+); set NATS_SERVER_BIN` : String(err);
      console.log(`(cs) not measured: ${why}`);
    }
  }

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
  let overload: string[] = [];
  if (ingress && half > 0 && ONLY.has('over')) {
    const stream = streamNames(REGION).input;
    const before = await lastSeq(nc, stream);
    const run = await measure('over', ingress, true, 4 * half, { connections: OVER_CONNECTIONS, reportAccepted: true });
    const report = await overloadReport(nc, stream, before, run, 4 * half, EVENTS);
    overload = formatOverload(report, OVER_CONNECTIONS);
    if (report.missing > 0) process.exitCode = 1;
  }

  console.log('');
  printTable([...targets, halfTarget]);
  console.log('');
  const ratios: [string, string | undefined, string][] = [
    ['c/b  ingress vs raw durable publish', ratio(c, byKey('b')), `goal ≥ 0.60${EVENTS === 1 ? '' : ' (stated for 1 event/request)'}`],
    ['c/a  ingress vs bare HTTP', ratio(c, byKey('a')), ''],
    ['c0/b floor (HTTP + one publish) vs raw publish', ratio(byKey('c0'), byKey('b')), 'the most any ingress gets here'],
    ['c/c0 what the ingress keeps of the floor', ratio(c, byKey('c0')), ''],
    ['cs/c sync_interval: always vs the default', ratio(byKey('cs'), c), 'the cost of an fsync before each ack'],
  ];
  for (const [name, value, note] of ratios) if (value) console.log(`${name.padEnd(48)} ${value}   ${note}`);
  if (halfTarget.samples.length) {
    const p99s = halfTarget.samples.map((s) => s.p99.toFixed(1)).join(', ');
    console.log(`p99 at half of c's peak (paced, from due time): ${medianOf(halfTarget, (s) => s.p99).toFixed(1)} ms (rounds: ${p99s})   goal < 20 ms`);
  }
  for (const line of overload) console.log(line);
  console.log(machineLine());
  await nc.close();
} finally {
  // Targets first, the servers they use last.
  for (const stop of stops.reverse()) await stop();
}
