// Issue 5, Tests, first bullet. Three regions (one nats-server cluster each, joined by
// gateways), each with a real ingress on a socket and a consumer worker, all writing one
// kv store. One outbound message's statuses and one user's two messages reach different
// regions in inverted order. Then:
// - the stored state equals core's reference join of the same events in WhatsApp order;
// - every event's trace is one piece: ingress server span → producer span → consumer span
//   in the region that processed it (in-memory exporter, the real SDK);
// - the stale events' spans record the inversion and link to the winner's producer span;
// - `wamesh trace --json` shows the same events, outcomes, winners and regions.
import { jetstreamManager } from '@nats-io/jetstream';
import { startSuperCluster } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// Not dependencies of the root package: loaded from their sources (as test/deploy does).
import { runCli } from '../../packages/cli/src/cli.ts';
import type { TraceReport } from '../../packages/cli/src/view/trace.ts';
import { captureIo } from '../../packages/cli/src/testing.ts';
import {
  buildWebhook,
  type ChangeSpec,
  type Envelope,
  foldMessages,
  foldStatuses,
  inboundOf,
  type MessageEvent,
  sequencedEvents,
  type StatusEvent,
  streamNames,
  type WaEvent,
} from '../../packages/core/src/index.ts';
import { createStore, type StateStore } from '../../packages/store/src/index.ts';
import {
  ATTR_WA_BEATEN_BY,
  ATTR_WA_INVERSION_SECONDS,
  EVENT_WA_INVERSION,
  type ReadableSpan,
  SpanKind,
  startTestTelemetry,
} from '../../packages/telemetry/src/index.ts';
import { type RegionNode, startRegionNode, WAIT } from './region-node.ts';

// Before any Fastify app exists: @fastify/otel hooks the instances created afterwards.
// One SDK per process, so all three regions' ingresses and consumers export here.
const telemetry = startTestTelemetry({ serviceName: 'wamesh-e2e', region: 'e2e' });

const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
type Region = (typeof REGIONS)[number];
const SHARDS = 4;
const SECRET = 'e2e-app-secret';
const BUSINESS = '106540352242922';
const WABA = '102290129340398';
const USER = '4915112345678';
const WAMID = 'wamid.e2e.outbound';
const T = 1_760_000_000;
const conversation = { id: 'conv-e2e', origin: { type: 'service' }, expiration_timestamp: String(T + 86_400) };
const pricing = { billable: true, pricing_model: 'PMP', category: 'service' };

type Name = 'read' | 'delivered' | 'sent' | 'reply2' | 'reply1';
interface Step {
  name: Name;
  region: Region;
  change: ChangeSpec;
}

// Arrival order: each event lands after newer ones were applied in another region.
const SCENARIO: Step[] = [
  { name: 'read', region: 'us-east', change: statusChange('read', T + 8) },
  { name: 'delivered', region: 'eu-west', change: statusChange('delivered', T + 3, { conversation, pricing }) },
  {
    name: 'sent',
    region: 'ap-south',
    change: statusChange('sent', T, { conversation, pricing, bizOpaqueCallbackData: 'campaign-7' }),
  },
  { name: 'reply2', region: 'eu-west', change: inboundChange('wamid.e2e.in.2', T + 20, 'thanks!') },
  { name: 'reply1', region: 'us-east', change: inboundChange('wamid.e2e.in.1', T + 12, 'got it', WAMID) },
];

/** What each event's outcome must be, and for a stale one which event beat it by how much. */
const EXPECTED: Record<Name, { outcome: 'applied' | 'stale'; beatenBy?: Name; bySeconds?: number }> = {
  read: { outcome: 'applied' },
  delivered: { outcome: 'stale', beatenBy: 'read', bySeconds: 5 },
  sent: { outcome: 'stale', beatenBy: 'read', bySeconds: 8 },
  reply2: { outcome: 'applied' },
  reply1: { outcome: 'stale', beatenBy: 'reply2', bySeconds: 8 },
};

const nats = useNats(() => startSuperCluster({ regions: [...REGIONS] }));
const nodes = new Map<Region, RegionNode>();
let store: StateStore;
/** The event each step's webhook carried, by step name. */
const events = new Map<Name, WaEvent>();

beforeAll(async () => {
  const mesh = nats();
  // As an operator would: one `wamesh provision` through us-east for every region (each
  // region's streams placed in its own cluster, retried while the meta leader settles),
  // plus the kv store's buckets, created once so the workers do not race for them.
  const io = captureIo();
  const provisionArgs = ['provision', '--nats', mesh.regions['us-east']![0]!, '--regions', REGIONS.join(',')];
  const code = await runCli([...provisionArgs, '--shards', String(SHARDS), '--kv-store', '--json'], io);
  expect(code, io.stderr.join('\n')).toBe(0);
  expect(JSON.parse(io.stdout.join('\n')).placement).toEqual(Object.fromEntries(REGIONS.map((r) => [r, r])));

  const started = await Promise.allSettled(
    REGIONS.map((region) => startRegionNode({ mesh, region, shards: SHARDS, appSecret: SECRET })),
  );
  for (const r of started) if (r.status === 'fulfilled') nodes.set(r.value.region as Region, r.value);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  await vi.waitFor(
    () => expect(REGIONS.map((r) => nodes.get(r)?.worker.runner.owned().length), 'leases of all shards').toEqual(REGIONS.map(() => SHARDS)),
    WAIT,
  );

  // The test reads the store from a fourth connection, in a region of its own choosing.
  store = createStore({ nc: await mesh.connect({ servers: mesh.regions['ap-south']!, name: 'e2e observer' }) });
  await store.init();
  for (const step of SCENARIO) await deliver(step);
  // Consumer spans end after the log write: wait until every event's span is exported.
  await vi.waitFor(async () => {
    const ids = new Set((await telemetry.spans()).filter(isConsumer).map((s) => s.attributes['wa.event_id']));
    expect([...events.values()].filter((e) => !ids.has(e.id)), 'events without a consumer span').toEqual([]);
  }, WAIT);
});

afterAll(async () => {
  await Promise.allSettled([...nodes.values()].map((n) => n.stop()));
  await store?.close();
  await telemetry.shutdown();
});

/**
 * POSTs one signed webhook to the step's region and waits until the event is in the log, so
 * the next one arrives after it was applied: the inversion is the scenario's, not a race.
 */
async function deliver(step: Step): Promise<void> {
  const body = JSON.stringify(buildWebhook([{ wabaId: WABA, changes: [step.change] }]));
  const res = await nodes.get(step.region)!.post(body);
  expect(res.status, res.body).toBe(200);
  const [event, ...more] = sequencedEvents(JSON.parse(body), SHARDS);
  expect(more).toEqual([]);
  events.set(step.name, event!);
  await vi.waitFor(async () => {
    const logged = (await store.timeline(event!.key)).some((e) => e.eventId === event!.id);
    expect(logged, `${step.name} (${step.region}) in the event log`).toBe(true);
  }, WAIT);
}

describe('three regions - inverted arrival', () => {
  it('state - the message and the conversation equal the reference join of the same events in WhatsApp order', async () => {
    // The envelopes as the consumers saw them: the region that received each, and the
    // trace context its ingress put in the headers (taken from the exported producer span).
    const spans = await telemetry.spans();
    const envelopes = SCENARIO.map(({ name, region }): Envelope => {
      const event = ev(name);
      return { event, meta: { region, receivedAt: 0, traceparent: traceparentOf(producerOf(spans, event.id)) } };
    }).sort((a, b) => a.event.timestamp - b.event.timestamp);
    const statuses = envelopes.filter((e): e is Envelope<StatusEvent> => e.event.kind === 'status');
    const inbound = envelopes.filter((e): e is Envelope<MessageEvent> => e.event.kind === 'msg');

    const message = await store.getMessage(WAMID);
    expect(message).toEqual(foldStatuses(null, statuses).after);
    expect(message).toMatchObject({
      status: 'read',
      statusAt: { sent: T, delivered: T + 3, read: T + 8 },
      facts: {
        read: { eventId: ev('read').id, region: 'us-east', recipientId: USER },
        delivered: { eventId: ev('delivered').id, region: 'eu-west', conversation, pricing },
        sent: { eventId: ev('sent').id, region: 'ap-south', conversation, pricing, bizOpaqueCallbackData: 'campaign-7' },
      },
    });

    const chat = await store.getConversation(BUSINESS, USER);
    expect(chat).toEqual(foldMessages(null, inbound).after);
    expect(chat).toMatchObject({ ambiguous: false, last: { wamid: 'wamid.e2e.in.2', region: 'eu-west', timestamp: T + 20 } });
    for (const e of inbound) expect(await store.getMessage(e.event.wamid)).toEqual(inboundOf(e));
  });

  it('traces - each event is one trace: ingress server span → producer span → consumer span in the region that processed it', async () => {
    const spans = await telemetry.spans();
    const traceIds = new Set<string>();
    for (const { name, region } of SCENARIO) {
      const event = ev(name);
      const subject = `wa.${region}.${event.kind}.${event.shard}`;
      const producer = producerOf(spans, event.id);
      const server = spans.find((s) => s.spanContext().spanId === producer.parentSpanContext?.spanId);
      const consumers = spans.filter((s) => isConsumer(s) && s.attributes['wa.event_id'] === event.id);
      expect(consumers, `${name}: one consumer span`).toHaveLength(1);
      const consumer = consumers[0]!;
      const traceId = server?.spanContext().traceId;

      // The webhook's request starts the trace; the publish is its child ...
      expect(server?.kind, `${name}: the producer's parent is the server span`).toBe(SpanKind.SERVER);
      expect(server?.name).toBe('POST /webhook');
      expect(server?.attributes['http.response.status_code']).toBe(200);
      expect(server?.parentSpanContext).toBeUndefined();
      expect(producer.spanContext().traceId).toBe(traceId);
      expect(producer.attributes).toMatchObject({ 'messaging.destination.name': subject, 'wa.region': region });
      // ... and the processing, after a hop through NATS headers, is the publish's child.
      expect(consumer.spanContext().traceId, `${name}: consumer span in the ingress trace`).toBe(traceId);
      expect(consumer.parentSpanContext?.spanId, `${name}: consumer span is the producer's child`).toBe(
        producer.spanContext().spanId,
      );
      expect(consumer.parentSpanContext?.isRemote).toBe(true);
      expect(consumer.attributes).toMatchObject({
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subject,
        'messaging.consumer.group.name': `shard-${event.shard}`,
        'wa.wamid': event.wamid,
        'wa.wa_id': USER,
        'wa.timestamp': event.timestamp,
        'wa.region': region,
        'wa.shard': event.shard,
        'wa.outcome': EXPECTED[name].outcome,
        ...(event.kind === 'status' ? { 'wa.status': event.status } : {}),
      });
      traceIds.add(traceId!);

      // Which region did the work: the one worker that logged this event is that region's,
      // and its line was written inside the consumer span; the ingress line inside the trace.
      const handledBy = REGIONS.filter((r) => nodes.get(r)!.consumerLogs().some((l) => l.eventId === event.id));
      expect(handledBy, `${name}: processed where it was received`).toEqual([region]);
      const line = nodes.get(region)!.consumerLogs().find((l) => l.eventId === event.id);
      expect(line).toMatchObject({
        msg: `event ${EXPECTED[name].outcome}`,
        region,
        eventRegion: region,
        trace_id: traceId,
        span_id: consumer.spanContext().spanId,
      });
      expect(nodes.get(region)!.ingressLogs().filter((l) => l.msg === 'webhook stored' && l.trace_id === traceId)).toHaveLength(1);
    }
    // One trace per webhook: nothing got stitched onto another request's trace.
    expect(traceIds.size).toBe(SCENARIO.length);
  });

  it('traces - a stale event records which event beat it and by how much, and links to that event’s producer span', async () => {
    const spans = await telemetry.spans();
    const consumerOf = (name: Name) => spans.find((s) => isConsumer(s) && s.attributes['wa.event_id'] === ev(name).id)!;
    for (const name of SCENARIO.map((s) => s.name)) {
      const span = consumerOf(name);
      const { beatenBy, bySeconds } = EXPECTED[name];
      if (!beatenBy) {
        expect(span.events.filter((e) => e.name === EVENT_WA_INVERSION), name).toEqual([]);
        expect(span.links, name).toEqual([]);
        continue;
      }
      const winner = ev(beatenBy);
      const winnerRegion = SCENARIO.find((s) => s.name === beatenBy)!.region;
      expect(span.attributes, name).toMatchObject({ [ATTR_WA_BEATEN_BY]: winner.id, [ATTR_WA_INVERSION_SECONDS]: bySeconds });
      const inversions = span.events.filter((e) => e.name === EVENT_WA_INVERSION);
      expect(inversions, name).toHaveLength(1);
      expect(inversions[0]!.attributes).toEqual({
        [ATTR_WA_BEATEN_BY]: winner.id,
        [ATTR_WA_INVERSION_SECONDS]: bySeconds,
        'wa.winner.timestamp': winner.timestamp,
        'wa.winner.region': winnerRegion,
      });
      // The link leads to the winner's publish, in the winner's trace (another request, region).
      const target = producerOf(spans, winner.id).spanContext();
      expect(span.links, name).toHaveLength(1);
      expect(span.links[0]!.context).toMatchObject({ traceId: target.traceId, spanId: target.spanId });
      expect(span.links[0]!.context.traceId).not.toBe(span.spanContext().traceId);
    }
  });

  it('cli - `wamesh trace --json` lists every event with its region, outcome, trace and the event that beat it', async () => {
    const spans = await telemetry.spans();
    // Read through a region other than the one the provisioning went through.
    const url = nats().regions['eu-west']![0]!;
    const message = await traceJson(WAMID, url);
    // WhatsApp-time order, whatever the arrival order was.
    expect(message.events.map((e) => e.status)).toEqual(['sent', 'delivered', 'read']);
    expect(message.inversions).toBe(2);
    const user = await traceJson(USER, url);
    expect(user.events.map((e) => e.eventId)).toEqual(
      (['sent', 'delivered', 'read', 'reply1', 'reply2'] as const).map((n) => ev(n).id),
    );
    expect(user.inversions).toBe(3);

    for (const { name, region } of SCENARIO) {
      const event = ev(name);
      const producer = producerOf(spans, event.id);
      const row = user.events.find((e) => e.eventId === event.id);
      const expected = EXPECTED[name];
      expect(row, name).toMatchObject({
        kind: event.kind,
        wamid: event.wamid,
        userKey: USER,
        ids: [USER],
        timestamp: event.timestamp,
        region,
        outcome: expected.outcome,
        traceId: producer.spanContext().traceId,
        traceparent: traceparentOf(producer),
      });
      expect(row!.appliedAt).toBeGreaterThanOrEqual(row!.receivedAt);
      if (expected.beatenBy) {
        const winner = ev(expected.beatenBy);
        expect(row!.beatenBy, name).toEqual({
          eventId: winner.id,
          timestamp: winner.timestamp,
          region: SCENARIO.find((s) => s.name === expected.beatenBy)!.region,
          traceparent: traceparentOf(producerOf(spans, winner.id)),
          bySeconds: expected.bySeconds,
        });
      } else {
        expect(row!.beatenBy, name).toBeUndefined();
      }
      if (event.kind === 'status') expect(message.events.find((e) => e.eventId === event.id)).toEqual(row);
    }

    // The human view marks both inversions of the message.
    const human = captureIo();
    expect(await runCli(['trace', WAMID, '--nats', url], human)).toBe(0);
    expect(human.stdout.filter((l) => l.startsWith('!!')).map((l) => l.match(/(sent|delivered|read)\s+(\S+)/)?.slice(1))).toEqual([
      ['sent', 'ap-south'],
      ['delivered', 'eu-west'],
    ]);
  });

  it('placement - each region’s input stream lives in its own cluster, and each region’s events went into it', async () => {
    const jsm = await jetstreamManager(await nats().connect({ servers: nats().regions['eu-west']! }));
    for (const region of REGIONS) {
      const info = await jsm.streams.info(streamNames(region).input);
      expect(info.cluster?.name).toBe(region);
      expect(info.state.messages).toBe(SCENARIO.filter((s) => s.region === region).length);
    }
  });
});

async function traceJson(key: string, natsUrl: string): Promise<TraceReport> {
  const io = captureIo();
  const code = await runCli(['trace', key, '--json', '--nats', natsUrl], io);
  expect(code, io.stderr.join('\n')).toBe(0);
  return JSON.parse(io.stdout.join('\n'));
}

function statusChange(
  status: string,
  timestamp: number,
  extra: Partial<NonNullable<ChangeSpec['statuses']>[number]> = {},
): ChangeSpec {
  return { phoneNumberId: BUSINESS, statuses: [{ id: WAMID, status, timestamp, recipientId: USER, ...extra }] };
}

function inboundChange(id: string, timestamp: number, text: string, replyTo?: string): ChangeSpec {
  const spec = { from: USER, id, timestamp, text, name: 'Ada' };
  return { phoneNumberId: BUSINESS, messages: [replyTo ? { ...spec, replyTo } : spec] };
}

function ev(name: Name): WaEvent {
  const event = events.get(name);
  if (!event) throw new Error(`${name} was not delivered`);
  return event;
}

const isConsumer = (s: ReadableSpan): boolean => s.kind === SpanKind.CONSUMER;

function producerOf(spans: ReadableSpan[], eventId: string): ReadableSpan {
  const found = spans.filter((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.message.id'] === eventId);
  expect(found, `one producer span for ${eventId}`).toHaveLength(1);
  return found[0]!;
}

function traceparentOf(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}
