import { sequencedEvents } from '@wamesh/core';
import { SpanKind, startTestTelemetry } from '@wamesh/telemetry';
import { afterAll, describe, expect } from 'vitest';
import { ingressTest, webhookBody } from './testing.ts';

// Before the app exists: @fastify/otel hooks every Fastify instance created afterwards.
const telemetry = startTestTelemetry({ serviceName: 'wamesh-ingress', region: 'trace' });
const test = ingressTest.override('ingressOptions', { region: 'trace', logLevel: 'debug' });

afterAll(async () => {
  await telemetry.shutdown();
});

describe('webhook - traces', () => {
  test('a producer span per event is a child of the server span, and its context is in the published headers', async ({ ingress: f }) => {
    telemetry.reset();
    const body = webhookBody('tr', 1, 2);
    expect((await f.post(body)).statusCode).toBe(200);

    const spans = await telemetry.spans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.name).toBe('POST /webhook');
    expect(server?.attributes['http.response.status_code']).toBe(200);
    const producers = spans.filter((s) => s.kind === SpanKind.PRODUCER);
    expect(producers).toHaveLength(3);

    const events = sequencedEvents(JSON.parse(body), 16);
    const stored = await f.messages();
    for (const event of events) {
      const span = producers.find((p) => p.attributes['messaging.message.id'] === event.id)!;
      expect(span, event.id).toBeDefined();
      expect(span.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(server!.spanContext().traceId);
      expect(span.attributes).toMatchObject({
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': `wa.trace.${event.kind}.${event.shard}`,
        'wa.wamid': event.wamid,
        'wa.timestamp': event.timestamp,
        'wa.region': 'trace',
        'wa.shard': event.shard,
      });
      const msg = stored.find((m) => m.header?.get('Nats-Msg-Id') === event.id)!;
      const { traceId, spanId } = span.spanContext();
      expect(msg.header?.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    }
    // Log lines of the request carry its trace.
    const line = f.logs.findLast((l) => l.msg === 'webhook stored');
    expect(line?.trace_id).toBe(server!.spanContext().traceId);
  });

  test('continues a trace the caller started (traceparent on the request)', async ({ ingress: f }) => {
    telemetry.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await f.post(webhookBody('tr2', 1, 0), { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.statusCode).toBe(200);
    const spans = await telemetry.spans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  test('probes are not traced', async ({ ingress: f }) => {
    telemetry.reset();
    await f.app.inject('/healthz');
    await f.app.inject('/metrics');
    expect(await telemetry.spans()).toHaveLength(0);
  });
});
