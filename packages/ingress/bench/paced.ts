// Open-loop load at a fixed rate, for latency at a given rate: request k is due at
// start + k / rate whatever happened to the ones before, and its latency counts from that due
// time, so a stall shows in the figures instead of slowing the sender (no coordinated
// omission). autocannon's own rate limit cannot do this: each connection sends its per-second
// budget as fast as it can when the second begins and then idles, so "half the peak rate" is
// the peak rate for half of every second, and it records latencies with an expected interval
// of Math.ceil(1 / rate) ms (1 ms), which pads the histogram with made-up samples.
// Plain sockets with prebuilt requests keep this client's own CPU per request small (node:http
// costs ~50 µs here), since it shares the machine with the server it measures.
import { connect, type Socket } from 'node:net';
import { percentile } from './stats.ts';

export interface PacedOptions {
  url: string;
  /** Requests per second, spaced evenly. */
  rate: number;
  /** Seconds at the rate before the measured part begins (not recorded). */
  warmupSec: number;
  durationSec: number;
  /** Keep-alive connections at most; requests due while all are busy wait in line. */
  connections: number;
  /** The next request's body and headers. */
  next: () => { body: string; headers: Record<string, string> };
  /** Called as the measured part begins. */
  onMeasureStart?: () => void;
}

export interface PacedResult {
  requests: number;
  rps: number;
  /** Milliseconds from the due time to the end of the response. */
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Of the measured requests: answered 200, and answered 503 (shed or unavailable). */
  ok: number;
  status503: number;
  /** p99 of the measured requests answered 200 alone; and from when each was sent (the server's share). */
  okP99: number;
  okP99FromSend: number;
  /** Every request answered 200, warm-up included, by its rank among the calls to next(). */
  accepted: number[];
}

interface Pending {
  due: number;
  recorded: boolean;
  /** Rank of its body among the calls to next(), and when it went out; set when sent. */
  index: number;
  sentAt: number;
}

export async function paced(opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(opts.url);
  const interval = 1000 / opts.rate;
  const warmup = Math.round(opts.rate * opts.warmupSec);
  const total = warmup + Math.round(opts.rate * opts.durationSec);
  const latencies: number[] = [];
  const okLatencies: number[] = [];
  const okFromSend: number[] = [];
  const accepted: number[] = [];
  let status503 = 0;
  let bodies = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let done = 0;
  const queue: Pending[] = [];
  const idle: Conn[] = [];
  const start = performance.now();
  let measureStart = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const request = () => {
    const { body, headers } = opts.next();
    let head = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return `${head}\r\n${body}`;
  };
  const complete = (p: Pending, status: number) => {
    if (status === 200) accepted.push(p.index);
    if (p.recorded) {
      const latency = performance.now() - p.due;
      if (status === 0) errors++;
      else if (status !== 200) non2xx++;
      if (status === 200) {
        okLatencies.push(latency);
        okFromSend.push(performance.now() - p.sentAt);
      }
      if (status === 503) status503++;
      latencies.push(latency);
    }
    if (++done === total) finished();
  };

  /** One kept-alive connection, one request at a time; responses parsed just enough. */
  class Conn {
    private socket: Socket;
    private inFlight: Pending | undefined;
    private buffered = '';
    constructor() {
      this.socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      this.socket.setEncoding('latin1');
      this.socket.on('data', (chunk: string) => this.read(chunk));
      this.socket.on('error', () => {});
      this.socket.on('close', () => {
        if (idle.includes(this)) idle.splice(idle.indexOf(this), 1);
        const lost = this.inFlight;
        this.inFlight = undefined;
        if (lost) complete(lost, 0);
        if (done < total) {
          conns[conns.indexOf(this)] = new Conn();
          // Requests may be waiting with every schedule tick already past.
          dispatch();
        }
      });
      idle.push(this);
    }
    send(p: Pending) {
      p.index = bodies++;
      p.sentAt = performance.now();
      this.inFlight = p;
      this.socket.write(request());
    }
    close() {
      this.socket.destroy();
    }
    private read(chunk: string) {
      this.buffered += chunk;
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const declared = /\r\ncontent-length: *(\d+)/i.exec(this.buffered.slice(0, headEnd))?.[1];
      // Fastify always sends a length; anything else (chunked) counts as an error, loudly.
      if (declared === undefined) return this.socket.destroy();
      const length = Number(declared);
      if (this.buffered.length < headEnd + 4 + length) return;
      const status = Number(this.buffered.slice(9, 12));
      this.buffered = this.buffered.slice(headEnd + 4 + length);
      const p = this.inFlight!;
      this.inFlight = undefined;
      idle.push(this);
      complete(p, status);
      dispatch();
    }
  }

  const dispatch = () => {
    while (queue.length > 0 && idle.length > 0) idle.pop()!.send(queue.shift()!);
  };
  const conns = Array.from({ length: opts.connections }, () => new Conn());
  // A 1 ms tick queues every request that has come due since the last one.
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      if (sent === warmup) {
        measureStart = now;
        opts.onMeasureStart?.();
      }
      queue.push({ due: start + sent * interval, recorded: sent >= warmup, index: -1, sentAt: 0 });
      sent++;
    }
    dispatch();
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  await allDone;
  const seconds = (performance.now() - measureStart) / 1000;
  for (const c of conns) c.close();

  latencies.sort((x, y) => x - y);
  okLatencies.sort((x, y) => x - y);
  okFromSend.sort((x, y) => x - y);
  const n = latencies.length;
  const at = (p: number) => percentile(latencies, p);
  const ok = okLatencies.length;
  return { requests: n, rps: n / seconds, p50: at(50), p99: at(99), max: at(100), non2xx, errors, ok, status503, okP99: percentile(okLatencies, 99), okP99FromSend: percentile(okFromSend, 99), accepted };
}
