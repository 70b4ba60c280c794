// The load generator, run as a second process so it does not share the server's event
// loop: `node loadgen.ts '<json options>'`; prints one JSON line with the results.
import autocannon from 'autocannon';
import { bodyFactory } from './bodies.ts';

interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Requests per second for all connections; unset = as fast as the server answers. */
  rate?: number;
  runId: string;
  eventsPerRequest: number;
  secret: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const bodyOf = bodyFactory({ runId: opts.runId, eventsPerRequest: opts.eventsPerRequest, secret: opts.secret });
let next = 0;

const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: opts.url,
  connections: opts.connections,
  duration: opts.durationSec,
  ...(opts.rate ? { overallRate: opts.rate } : {}),
  requests: [
    {
      method: 'POST',
      setupRequest(req: Record<string, unknown>) {
        const b = bodyOf(next++);
        req.body = b.body;
        req.headers = { 'content-type': 'application/json', 'x-hub-signature-256': b.signature };
        return req;
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
    statusCodeStats: result.statusCodeStats,
    // CPU this load generator spent sending (µs), to show what the shared machine gave it.
    cpuMicros: (({ user, system }) => user + system)(process.cpuUsage(cpu0)),
  })}\n`,
);
