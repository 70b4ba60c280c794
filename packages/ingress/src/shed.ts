// Load shedding: with MAX_IN_FLIGHT webhook requests already open, the next one answers 503
// + Retry-After at once instead of queueing behind them until the client times out (Meta's
// retries then only lengthen the queue). Bounding the requests in flight bounds the publishes
// waiting for a PubAck too, and so the latency of the requests that are accepted.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IngressError, sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request holds one of the in-flight slots until its response ends. */
    holdsSlot: boolean;
  }
}

export interface LoadSheddingOptions {
  /** Bounded requests open at once (MAX_IN_FLIGHT); more are answered 503 at once. */
  maxInFlight: number;
  /** Routes bounded, as `METHOD url` (e.g. `POST /webhook`); others (probes, metrics) never are. */
  routes: readonly string[];
  /** Seconds in Retry-After. */
  retryAfterSeconds: number;
}

/** A warn line at most this often while shedding, with the count: not a line per 503. */
const LOG_EVERY_MS = 1_000;

/** Adds the bound to the app; call before registering the routes it bounds. */
export function shedLoad(app: FastifyInstance, opts: LoadSheddingOptions): void {
  const { maxInFlight } = opts;
  const bounded = new Set(opts.routes);
  // One instance for every 503: shedding must stay cheap when it is needed most.
  const overloaded = new IngressError('OVERLOADED', undefined, { retryAfter: opts.retryAfterSeconds });
  let inFlight = 0;
  let shedSinceLog = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;

  const release = (request: FastifyRequest) => {
    if (!request.holdsSlot) return;
    request.holdsSlot = false;
    inFlight--;
  };

  app.decorateRequest('holdsSlot', false);
  app.addHook('onRequest', (request, reply, done) => {
    if (!bounded.has(`${request.method} ${request.routeOptions.url}`)) return done();
    if (inFlight < maxInFlight) {
      inFlight++;
      request.holdsSlot = true;
      // 'close' ends every response, also one whose client went away first.
      reply.raw.once('close', () => release(request));
      return done();
    }
    request.waErrorCode = overloaded.code;
    shedSinceLog++;
    const now = performance.now();
    if (now - loggedAt >= LOG_EVERY_MS) {
      request.log.warn({ code: overloaded.code, shed: shedSinceLog, maxInFlight }, 'overloaded: shedding webhooks');
      shedSinceLog = 0;
      loggedAt = now;
    }
    // Answered here: the body is never read and the handler never runs.
    sendError(reply, overloaded);
  });
  // inject() responses may not emit 'close'; whichever comes first frees the slot.
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });
}
