import { SpanKind } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjectOf } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import {
  ATTR_WA_BEATEN_BY,
  ATTR_WA_INVERSION_SECONDS,
  ATTR_WA_OUTCOME,
  EVENT_WA_INVERSION,
  startPublishSpan,
  startTestTelemetry,
  type TestTelemetry,
  traceHeadersOf,
} from '@wamesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedEvents, provisionRegion, publishAll, statusEnvelope, startTestWorker } from './testkit.ts';

const SHARDS = 2;
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let telemetry: TestTelemetry;

beforeAll(async () => {
  telemetry = startTestTelemetry({ serviceName: 'wamesh-consumer', region: 'eu' });
  nc = await nats().connect();
});

afterAll(async () => {
  await telemetry?.shutdown();
});

describe('worker tracing', () => {
  it('worker - a consumer span per event continues the ingress trace; a stale one records the inversion and links to the winner', async () => {
    const region = 'eu';
    await provisionRegion(nc, region, SHARDS);
    const wamid = 'wamid.traced';
    const read = statusEnvelope({ id: wamid, status: 'read', timestamp: T + 7 }, SHARDS, { region });
    const delivered = statusEnvelope({ id: wamid, status: 'delivered', timestamp: T + 2 }, SHARDS, { region });
    // What the ingress does: a producer span per event, its context in the headers.
    const producers = [read, delivered].map((e) => {
      const span = startPublishSpan(e.event, subjectOf(region, e.event.kind, e.event.shard), e.meta);
      Object.assign(e.meta, traceHeadersOf(span));
      span.end();
      return span;
    });
    await publishAll(nc, [read]);
    const w = await startTestWorker({ nc, region, shards: SHARDS, prefix: 'traced' });
    try {
      await expect.poll(async () => (await loggedEvents(w.store, [wamid])).length, { message: 'read logged' }).toBe(1);
      await publishAll(nc, [delivered]);
      await expect.poll(async () => (await loggedEvents(w.store, [wamid])).length, { message: 'delivered logged' }).toBe(2);
      await w.stop();
      const spans = (await telemetry.spans()).filter((s) => s.kind === SpanKind.CONSUMER);
      expect(spans).toHaveLength(2);
      const [readSpan, deliveredSpan] = [read, delivered].map((e) => spans.find((s) => s.attributes['wa.event_id'] === e.event.id)!);
      for (const [i, span] of [readSpan!, deliveredSpan!].entries()) {
        const producer = producers[i]!.spanContext();
        expect(span.spanContext().traceId).toBe(producer.traceId);
        expect(span.parentSpanContext?.spanId).toBe(producer.spanId);
        expect(span.name).toBe(`process wa.${region}.status.${read.event.shard}`);
        expect(span.attributes).toMatchObject({
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.destination.name': `wa.${region}.status.${read.event.shard}`,
          'messaging.consumer.group.name': `shard-${read.event.shard}`,
          'messaging.batch.message_count': 1,
          'wa.wamid': wamid,
          'wa.region': region,
          'wa.shard': read.event.shard,
        });
      }
      expect(readSpan!.attributes[ATTR_WA_OUTCOME]).toBe('applied');
      expect(readSpan!.events).toHaveLength(0);
      expect(deliveredSpan!.attributes).toMatchObject({
        [ATTR_WA_OUTCOME]: 'stale',
        'wa.status': 'delivered',
        'wa.timestamp': T + 2,
        [ATTR_WA_BEATEN_BY]: read.event.id,
        [ATTR_WA_INVERSION_SECONDS]: 5,
      });
      const inversion = deliveredSpan!.events.find((e) => e.name === EVENT_WA_INVERSION);
      expect(inversion?.attributes).toMatchObject({ [ATTR_WA_BEATEN_BY]: read.event.id, [ATTR_WA_INVERSION_SECONDS]: 5 });
      expect(deliveredSpan!.links.map((l) => l.context.spanId)).toEqual([producers[0]!.spanContext().spanId]);
      expect(deliveredSpan!.links[0]!.context.traceId).toBe(producers[0]!.spanContext().traceId);
    } finally {
      await w.stop();
    }
  });
});
