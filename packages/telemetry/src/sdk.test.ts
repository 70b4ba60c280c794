import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { WaEvent } from '@wamesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readTelemetryEnv } from './env.ts';
import { extractTraceContext, injectTraceContext } from './propagation.ts';
import { getTelemetry, startTelemetry } from './sdk.ts';
import { recordInversion, startProcessSpan, startPublishSpan } from './spans.ts';
import { startTestTelemetry } from './testing.ts';

const status: WaEvent = {
  id: 'st:wamid.A:read',
  kind: 'status',
  key: 'wamid.A',
  shard: 3,
  phoneNumberId: '100',
  wabaId: '200',
  timestamp: 1_700_000_000,
  wamid: 'wamid.A',
  status: 'read',
  recipientId: '491700000',
};

afterEach(async () => {
  await getTelemetry()?.shutdown();
});

describe('telemetry - export decision from OTEL_* variables', () => {
  it('is off when nothing asks for it', () => {
    expect(readTelemetryEnv({}).exportTraces).toBe(false);
    expect(readTelemetryEnv({ OTEL_SERVICE_NAME: 'x' })).toMatchObject({ exportTraces: false, serviceName: 'x' });
    expect(readTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).exportTraces).toBe(false);
  });
  it('is on with an endpoint or a named exporter', () => {
    expect(readTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).exportTraces).toBe(true);
    expect(readTelemetryEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).exportTraces).toBe(true);
    expect(readTelemetryEnv({ OTEL_TRACES_EXPORTER: 'console' }).exportTraces).toBe(true);
  });
});

describe('telemetry - spans across a NATS hop', () => {
  it('a consumer span is the child of the producer span whose context travelled in headers', async () => {
    const t = startTestTelemetry({ serviceName: 'wamesh-test', region: 'eu-west' });
    const tracer = trace.getTracer('test');
    const server = tracer.startSpan('POST /webhook', { kind: SpanKind.SERVER });
    const headers: Record<string, string> = {};
    context.with(trace.setSpan(context.active(), server), () => {
      const producer = startPublishSpan(status, 'wa.eu-west.status.3', { region: 'eu-west' });
      injectTraceContext(headers, trace.setSpan(context.active(), producer));
      producer.end();
    });
    server.end();
    const consumer = startProcessSpan(status, 'wa.eu-west.status.3', { region: 'eu-west' }, extractTraceContext(headers));
    recordInversion(consumer, {
      eventId: 'st:wamid.A:read:x',
      timestamp: 1_700_000_005,
      region: 'us-east',
      traceparent: headers.traceparent,
      bySeconds: 5,
    });
    consumer.end();

    const [p, s, c] = await t.spans();
    expect(s?.name).toBe('POST /webhook');
    expect(p?.kind).toBe(SpanKind.PRODUCER);
    expect(p?.parentSpanContext?.spanId).toBe(s?.spanContext().spanId);
    expect(c?.kind).toBe(SpanKind.CONSUMER);
    expect(c?.spanContext().traceId).toBe(s?.spanContext().traceId);
    expect(c?.parentSpanContext?.spanId).toBe(p?.spanContext().spanId);
    expect(p?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'wa.eu-west.status.3',
      'messaging.message.id': status.id,
      'wa.wamid': 'wamid.A',
      'wa.wa_id': '491700000',
      'wa.status': 'read',
      'wa.timestamp': 1_700_000_000,
      'wa.region': 'eu-west',
      'wa.shard': 3,
    });
    expect(c?.events[0]).toMatchObject({ name: 'wa.inversion', attributes: { 'wa.inversion_seconds': 5 } });
    expect(c?.links[0]?.context.spanId).toBe(p?.spanContext().spanId);
    expect(p?.resource.attributes).toMatchObject({ 'service.name': 'wamesh-test', 'cloud.region': 'eu-west' });
  });

  it('without an exporter spans still get ids, so logs and headers carry them', () => {
    const t = startTelemetry({ serviceName: 'quiet', region: 'r', env: {} });
    expect(t.exporting).toBe(false);
    const span = trace.getTracer('test').startSpan('x');
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
    span.end();
  });
});

describe('telemetry - OTLP export', () => {
  it('exports to OTEL_EXPORTER_OTLP_ENDPOINT and flushes on shutdown', async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push(`${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    Object.assign(process.env, env);
    try {
      const t = startTelemetry({ serviceName: 'wamesh-export', region: 'ap-south', env });
      expect(t.exporting).toBe(true);
      trace.getTracer('test').startSpan('buffered-span').end();
      expect(bodies).toHaveLength(0); // batched, not yet sent
      await t.shutdown();
      const traces = bodies.filter((b) => b.startsWith('/v1/traces'));
      expect(traces).toHaveLength(1);
      expect(traces[0]).toContain('buffered-span');
      expect(traces[0]).toContain('wamesh-export');
      expect(traces[0]).toContain('ap-south');
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
      await new Promise((r) => collector.close(r));
    }
  });
});
