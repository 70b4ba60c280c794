// The open-loop driver behind "p99 at half the peak": it must keep sending on schedule while
// the server stalls, count the wait from each request's due time, and count non-2xx answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { paced } from './paced.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server that answers `status(n)` to the n-th request, after `delayMs(n)`. */
async function serve(status: (n: number) => number, delayMs: (n: number) => number): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  let arrived = 0;
  server = createServer((req, res) => {
    const n = arrived++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      setTimeout(() => res.writeHead(status(n), { 'content-type': 'text/plain', 'content-length': 2 }).end('ok'), delayMs(n));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, bodies };
}

const next = (() => {
  let i = 0;
  return () => ({ body: `{"i":${i++}}`, headers: { 'content-type': 'application/json' } });
})();

describe('paced load', () => {
  it('sends every request once with its body, and leaves the warm-up out of the figures', async () => {
    const { url, bodies } = await serve((n) => (n % 10 === 9 ? 503 : 200), () => 0);
    let measuring = 0;
    const r = await paced({ url, rate: 200, warmupSec: 0.25, durationSec: 0.5, connections: 4, next, onMeasureStart: () => measuring++ });
    expect(bodies).toHaveLength(150);
    expect(new Set(bodies).size).toBe(150);
    expect(r.requests).toBe(100);
    expect(measuring).toBe(1);
    expect(r.non2xx).toBe(10); // of requests 50–149 (the warm-up's 5 are not in the figures)
    expect(r.errors).toBe(0);
    expect(r.status503).toBe(10);
    expect(r.ok).toBe(90);
    // Every 200, warm-up included, by the rank of its body in this run (bodies carry a running i).
    const i0 = Math.min(...bodies.map((b) => JSON.parse(b).i));
    const answered200 = bodies.filter((_, n) => n % 10 !== 9).map((b) => JSON.parse(b).i - i0);
    expect(r.accepted.sort((x, y) => x - y)).toEqual(answered200.sort((x, y) => x - y));
  });

  it('counts an answer it cannot frame (no content-length) as an error and carries on', async () => {
    const { url } = await serve(() => 200, () => 0);
    server!.removeAllListeners('request');
    server!.on('request', (req, res) => req.resume().on('end', () => res.write('chunked', () => res.end())));
    const r = await paced({ url, rate: 100, warmupSec: 0, durationSec: 0.2, connections: 2, next });
    expect(r.errors).toBe(20);
  });

  it('counts a stall against every request that came due during it (no coordinated omission)', async () => {
    // One connection, and the 20th request takes 300 ms: the ~60 requests due meanwhile wait.
    const { url } = await serve(() => 200, (n) => (n === 20 ? 300 : 0));
    const r = await paced({ url, rate: 200, warmupSec: 0, durationSec: 1, connections: 1, next });
    expect(r.requests).toBe(200);
    expect(r.max).toBeGreaterThanOrEqual(300);
    // A closed-loop client would record one slow sample; here over a quarter of them are slow.
    expect(r.p50).toBeLessThan(r.max);
    expect(r.p99).toBeGreaterThan(250);
    expect(r.okP99).toBe(r.p99);
    // From sending, only the stalled request itself is slow: the queue behind it is the client's.
    expect(r.okP99FromSend).toBeLessThan(100);
  });
});
