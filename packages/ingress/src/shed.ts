// Load shedding: with MAX_IN_FLIGHT webhook requests already open, the next one answers 503
// + Retry-After at once instead of queueing behind them until the client times out (Meta's
// retries then only lengthen the queue). Bounding the requests in flight bounds the publishes
// waiting for a PubAck too, and so the latency of the requests that are accepted.
//
// The gate sits in the HTTP server, before Fastify: a shed request gets no Fastify request,
// logger, hooks or span. Beyond capacity every microsecond spent refusing is taken from the
// accepted requests; through a Fastify onRequest hook a 503 cost 25 µs here, as much as a
// third of a whole accepted webhook.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@wamesh/telemetry';
import { errorBody, IngressError } from './errors.ts';

export interface LoadSheddingOptions {
  /** Requests to `path` open at once (MAX_IN_FLIGHT); more are answered 503 at once. */
  maxInFlight: number;
  /** The bounded route, POST only; other routes (probes, metrics) are never shed. */
  path: string;
  retryAfterSeconds: number;
  logger: Logger;
  /** Called for each shed request (metrics). */
  onShed(): void;
}

/** A warn line at most this often while shedding, with the count: not a line per 503. */
const LOG_EVERY_MS = 1_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Fastify's `serverFactory`: a plain HTTP server that lets a request through to Fastify or sheds it. */
export function sheddingServer(opts: LoadSheddingOptions): (handler: Handler) => Server {
  const { maxInFlight, path, logger, onShed } = opts;
  const overloaded = new IngressError('OVERLOADED', undefined, { retryAfter: opts.retryAfterSeconds });
  const body = JSON.stringify(errorBody(overloaded));
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'retry-after': String(overloaded.retryAfter),
  };
  const bounded = (req: IncomingMessage) =>
    req.method === 'POST' && (req.url === path || req.url?.startsWith(`${path}?`) === true);
  let inFlight = 0;
  let shedSinceLog = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  const release = () => {
    inFlight--;
  };

  function shed(res: ServerResponse): void {
    onShed();
    shedSinceLog++;
    const now = performance.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      logger.warn({ code: overloaded.code, shed: shedSinceLog, maxInFlight }, 'overloaded: shedding webhooks');
      shedSinceLog = 0;
      loggedAt = now;
    }
    // The body is never read: Node discards it to keep the connection.
    res.writeHead(overloaded.statusCode, headers).end(body);
  }

  return (handler) =>
    createServer((req, res) => {
      if (!bounded(req)) return handler(req, res);
      if (inFlight >= maxInFlight) return shed(res);
      inFlight++;
      // 'close' ends every response once, also one whose client went away first.
      res.once('close', release);
      handler(req, res);
    });
}
