import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { startTestTelemetry } from './testing.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger - JSON lines with trace ids', () => {
  // The SDK installs the async context manager that makes a span "active".
  const telemetry = startTestTelemetry();
  afterAll(() => telemetry.shutdown());

  it('carries service, region and the active span ids', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'wamesh-test', region: 'eu-west', destination });
    const sc = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    context.with(trace.setSpanContext(ROOT_CONTEXT, sc), () => log.info({ events: 2 }, 'published'));
    log.info('outside');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'wamesh-test',
      region: 'eu-west',
      trace_id: sc.traceId,
      span_id: sc.spanId,
      events: 2,
      msg: 'published',
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('never writes secrets, tokens or bodies', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', region: 'r', destination });
    log.info(
      {
        config: { appSecrets: ['s3cret'], verifyToken: 'tok3n', nats: { pass: 'pw', token: 'nt' } },
        headers: { 'x-hub-signature-256': 'sha256=abcd' },
        body: '{"entry":[]}',
      },
      'start',
    );
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    for (const secret of ['s3cret', 'tok3n', '"pw"', '"nt"', 'abcd', 'entry']) expect(text).not.toContain(secret);
  });
});
