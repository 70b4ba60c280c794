// POST /webhook (signed events in) and GET /webhook (Meta's verification handshake).
import { createHash, timingSafeEqual } from 'node:crypto';
import { type SignatureCheck, type Split, splitBody, verifySignature } from '@wamesh/core';
import { context, requestContext } from '@wamesh/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IngressError, type IngressErrorCode } from './errors.ts';
import { fieldLabel, type IngressMetrics } from './metrics.ts';
import type { EventPublisher, StoreOutcome } from './publish.ts';

export interface WebhookRouteOptions {
  appSecrets: readonly string[];
  verifyToken: string;
  shards: number;
  bodyLimitBytes: number;
  /** Body → events, field events, rejected parts (core's splitWebhook; a test may pass an older one). */
  split: (json: unknown, shards: number) => Split;
  events: EventPublisher;
  metrics: IngressMetrics;
  now: () => number;
}

const SIGNATURE_ERRORS: Record<Exclude<SignatureCheck, { ok: true }>['reason'], IngressErrorCode> = {
  missing: 'SIGNATURE_MISSING',
  malformed: 'SIGNATURE_MALFORMED',
  mismatch: 'SIGNATURE_MISMATCH',
};

const EMPTY = Buffer.alloc(0);
const MAX_CHALLENGE = 1024;

export function webhookRoutes(app: FastifyInstance, opts: WebhookRouteOptions, done: (err?: Error) => void): void {
  const { appSecrets, shards, events, metrics, now, split } = opts;
  const verifyDigest = sha256(opts.verifyToken);

  // The signature is over the exact bytes Meta sent, so every body stays a Buffer here,
  // whatever its content type (a wrong content type is not a reason to drop an event).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimitBytes }, (_req, body, parsed) =>
    parsed(null, body),
  );

  // Fastify does not carry the server span's async context across body parsing; the
  // handler runs inside it again so its spans and log lines belong to the request's trace.
  app.post('/webhook', function receive(request: FastifyRequest, reply: FastifyReply) {
    return context.with(requestContext(request), handleWebhook, undefined, request, reply);
  });

  async function handleWebhook(request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = now();
    const raw = Buffer.isBuffer(request.body) ? request.body : EMPTY;

    // 1. Authenticate before looking at the content at all.
    const header = request.headers['x-hub-signature-256'];
    const check: SignatureCheck = Array.isArray(header)
      ? { ok: false, reason: 'malformed' }
      : verifySignature(raw, header, appSecrets);
    if (!check.ok) throw new IngressError(SIGNATURE_ERRORS[check.reason]);

    // 2. Split. An authentic body is never refused for its content: what cannot be
    // sequenced is quarantined with its reason, everything else is stored as it is.
    const parts = splitBody(raw, shards, split);
    metrics.eventsPerRequest.observe(parts.events.length);
    if (parts.rejected.length > 0) {
      request.log.warn({ rejected: parts.rejected.slice(0, 10), parts: parts.rejected.length }, 'webhook parts quarantined');
    }

    // 3. Durable publish of everything; 200 only once all of it is stored.
    const started = performance.now();
    let stored: StoreOutcome;
    try {
      stored = await events.store(parts, raw, receivedAt, context.active());
    } catch (err) {
      metrics.publishSeconds.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
      throw err;
    }
    metrics.publishSeconds.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
    countStored(parts, stored);
    // A plain 200 is already counted (requests_total, events_published_total): at info it
    // would be a JSON line per request on the hot path (~5 % of the CPU here). Retries
    // (duplicates), field events and quarantined parts stay visible at info; every line at debug.
    const notable = stored.duplicates > 0 || parts.fields.length > 0 || parts.rejected.length > 0;
    if (notable || request.log.level === 'debug' || request.log.level === 'trace') {
      (notable ? request.log.info : request.log.debug).call(
        request.log,
        {
          events: parts.events.length,
          published: stored.published,
          duplicates: stored.duplicates,
          fields: parts.fields.map((f) => f.field),
          quarantined: parts.rejected.length,
        },
        'webhook stored',
      );
    }
    return reply
      .type('application/json')
      .send(
        `{"received":${parts.events.length},"duplicates":${stored.duplicates},"fields":${parts.fields.length},"quarantined":${parts.rejected.length}}`,
      );
  }

  function countStored(parts: Split, stored: StoreOutcome): void {
    for (const kind of ['msg', 'status'] as const) {
      const k = stored.byKind[kind];
      if (k.published) metrics.published.inc({ kind }, k.published);
      if (k.duplicates) metrics.duplicates.inc({ kind }, k.duplicates);
    }
    for (const f of parts.fields) metrics.fields.inc({ field: fieldLabel(f.field) });
    if (parts.rejected.length > 0) {
      metrics.quarantinedBodies.inc();
      metrics.quarantinedParts.inc(parts.rejected.length);
    }
  }

  app.get('/webhook', async function verify(request: FastifyRequest, reply: FastifyReply) {
    const q = request.query as Record<string, unknown>;
    const mode = q['hub.mode'];
    const token = q['hub.verify_token'];
    const challenge = q['hub.challenge'];
    const ok =
      mode === 'subscribe' &&
      typeof token === 'string' &&
      timingSafeEqual(sha256(token), verifyDigest) &&
      typeof challenge === 'string' &&
      challenge.length > 0 &&
      challenge.length <= MAX_CHALLENGE;
    if (!ok) {
      request.log.warn({ mode: typeof mode === 'string' ? mode : undefined }, 'webhook verification rejected');
      throw new IngressError('VERIFY_REJECTED');
    }
    request.log.info('webhook verified');
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge);
  });

  done();
}

// Fixed-length digests so the comparison takes the same time whatever the token's length.
function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
