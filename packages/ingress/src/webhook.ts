// POST /webhook (signed events in) and GET /webhook (Meta's verification handshake).
import { createHash, timingSafeEqual } from 'node:crypto';
import { normalize, parseWebhook, type SignatureCheck, verifySignature } from '@wamesh/core';
import { context, requestContext } from '@wamesh/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IngressError, type IngressErrorCode } from './errors.ts';
import type { IngressMetrics } from './metrics.ts';
import type { EventPublisher } from './publish.ts';

export interface WebhookRouteOptions {
  appSecrets: readonly string[];
  verifyToken: string;
  shards: number;
  bodyLimitBytes: number;
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
  const { appSecrets, shards, events, metrics, now } = opts;
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

    // 2. Validate.
    if (raw.length === 0) throw new IngressError('BODY_EMPTY');
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new IngressError('INVALID_JSON');
    }
    const parsed = parseWebhook(json);
    if (!parsed.ok) throw new IngressError('INVALID_WEBHOOK', parsed.error);
    const { events: batch, skipped } = normalize(parsed.webhook, shards);

    // 3. Other objects and fields are acknowledged (Meta would retry them forever) and recorded.
    for (const s of skipped) {
      metrics.skipped.inc({ reason: s.field === undefined ? 'object' : s.reason.startsWith('value.errors') ? 'errors' : 'field' });
      request.log.info({ object: s.object, field: s.field, reason: s.reason }, 'webhook part not published');
    }
    metrics.eventsPerRequest.observe(batch.length);
    if (batch.length === 0) {
      request.log.info({ events: 0, skipped: skipped.length }, 'webhook acknowledged');
      return reply.type('application/json').send('{"received":0,"duplicates":0}');
    }

    // 4. Durable publish; 200 only once every event is stored.
    const started = performance.now();
    let outcome: Awaited<ReturnType<EventPublisher['publish']>>;
    try {
      outcome = await events.publish(batch, receivedAt, context.active());
    } catch (err) {
      metrics.publishSeconds.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
      throw err;
    }
    metrics.publishSeconds.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
    for (const kind of ['msg', 'status'] as const) {
      const k = outcome.byKind[kind];
      if (k.published) metrics.published.inc({ kind }, k.published);
      if (k.duplicates) metrics.duplicates.inc({ kind }, k.duplicates);
    }
    // A plain 200 is already counted (requests_total, events_published_total): at info it
    // would be a JSON line per request on the hot path (~5 % of the CPU here). Retries
    // (duplicates) and partly skipped webhooks stay visible at info; every line at debug.
    const notable = outcome.duplicates > 0 || skipped.length > 0;
    (notable ? request.log.info : request.log.debug).call(
      request.log,
      { events: batch.length, published: outcome.published, duplicates: outcome.duplicates, skipped: skipped.length },
      'webhook stored',
    );
    return reply
      .type('application/json')
      .send(`{"received":${batch.length},"duplicates":${outcome.duplicates}}`);
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
