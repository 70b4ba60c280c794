// The load generator, run as a second process so it does not share the server's event loop:
// `node --expose-gc loadgen.ts '<json options>'`. Warm-up first, then it prints `measuring` on a
// line of its own as the measured part begins (the parent starts its CPU meters there) and, at
// the end, one JSON line with the results. Without a rate it is autocannon as fast as the
// server answers; with one, the open-loop paced driver.
import autocannon from 'autocannon';
import { bodySource } from './bodies.ts';
import { type LoadOptions, type LoadResult, MEASURING } from './load-protocol.ts';
import { paced } from './paced.ts';


const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
// Bodies for the whole run signed before anything is sent (past the pool, on demand), and
// the pool settled in the old generation, so neither HMAC nor its garbage lands in the figures.
const nextBody = bodySource(
  { runId: opts.runId, eventsPerRequest: opts.eventsPerRequest, secret: opts.secret },
  Math.ceil((opts.rate ?? opts.expectedRps) * (opts.warmupSec + opts.durationSec) * 1.1),
);
globalThis.gc?.();
const request = () => {
  const b = nextBody();
  return { body: b.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': b.signature } };
};

let cpu0 = process.cpuUsage();
const measuring = () => {
  cpu0 = process.cpuUsage();
  process.stdout.write(`${MEASURING}\n`);
};
let result: Omit<LoadResult, 'cpuMicros'>;
if (opts.rate) {
  const { accepted, ...figures } = await paced({ ...opts, rate: opts.rate, next: request, onMeasureStart: measuring });
  result = opts.reportAccepted ? { ...figures, accepted } : figures;
} else {
  const run = (duration: number) =>
    autocannon({
      url: opts.url,
      connections: opts.connections,
      duration,
      requests: [{ method: 'POST', setupRequest: (req) => Object.assign(req, request()) }],
    });
  if (opts.warmupSec > 0) await run(opts.warmupSec);
  measuring();
  const r = await run(opts.durationSec);
  result = {
    requests: r.requests.total,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ...result, cpuMicros: cpu.user + cpu.system } satisfies LoadResult)}\n`);
