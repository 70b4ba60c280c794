// Ingress + consumer + kv store on a real nats-server: signed webhooks in, state out.
import type { NatsConnection } from '@nats-io/nats-core';
import { createPublisher } from '@wamesh/bus';
import {
  buildWebhook,
  type ChangeSpec,
  type Envelope,
  seededRandom,
  sequencedEvents,
  shuffled,
  signBody,
  type StatusName,
  type WaEvent,
} from '@wamesh/core';
import { buildApp } from '@wamesh/ingress';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { createMetrics } from '@wamesh/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  loggedEvents,
  provisionRegion,
  quietLogger,
  referenceState,
  startTestWorker,
  type TestWorker,
  WABA,
} from './testkit.ts';

const REGION = 'eu-west';
const SHARDS = 4;
const SECRET = 'e2e-app-secret';
const T = 1_760_000_000;
const nats = useNats(() => startServer());
let nc: NatsConnection;
let ingress: FastifyInstance;
let consumer: TestWorker;
/** Every event the ingress accepted, as the consumer will see it (for the reference join). */
const sent: Envelope[] = [];

beforeAll(async () => {
  nc = await nats().connect();
  await provisionRegion(nc, REGION, SHARDS);
  ingress = buildApp({
    config: { region: REGION, shards: SHARDS, appSecrets: [SECRET], verifyToken: 'v', bodyLimitBytes: 1 << 20 },
    publisher: createPublisher(nc, { timeoutMs: 5_000 }),
    readiness: async () => ({ ready: true, checks: {} }),
    logger: quietLogger(),
    metrics: createMetrics({ service: 'wamesh-ingress', region: REGION, defaultMetrics: false }),
  });
  await ingress.ready();
  consumer = await startTestWorker({ nc, region: REGION, shards: SHARDS, prefix: 'e2e' });
});

afterAll(async () => {
  await consumer?.stop();
  await ingress?.close();
});

/** POSTs one signed webhook, as Meta would, and expects 200. */
async function deliver(changes: ChangeSpec[]): Promise<WaEvent[]> {
  const body = JSON.stringify(buildWebhook([{ wabaId: WABA, changes }]));
  const res = await ingress.inject({
    method: 'POST',
    url: '/webhook',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  const events = sequencedEvents(JSON.parse(body), SHARDS);
  for (const event of events) sent.push({ event, meta: { region: REGION, receivedAt: 0 } });
  return events;
}

const status = (id: string, s: StatusName, timestamp: number, extra: Record<string, unknown> = {}): ChangeSpec => ({
  phoneNumberId: BUSINESS,
  statuses: [{ id, status: s, timestamp, recipientId: '16315551181', ...extra }],
});
const inbound = (id: string, from: string, timestamp: number, text = 'hi'): ChangeSpec => ({
  phoneNumberId: BUSINESS,
  messages: [{ id, from, timestamp, text, name: 'Ana' }],
});

async function settled(wamids: string[], count: number): Promise<void> {
  await expect.poll(async () => (await loggedEvents(consumer.store, wamids)).length, { message: `${count} events logged` }).toBe(count);
}

describe('ingress + consumer + kv', () => {
  it('e2e - read before delivered (signed webhooks, inverted) keeps read; delivered is stale', async () => {
    const wamid = 'wamid.e2e.read-first';
    await deliver([status(wamid, 'read', T + 10)]);
    await deliver([status(wamid, 'delivered', T + 5)]);
    await deliver([status(wamid, 'sent', T)]);
    await settled([wamid], 3);
    expect(await consumer.store.getMessage(wamid)).toMatchObject({
      status: 'read',
      statusAt: { sent: T, delivered: T + 5, read: T + 10 },
    });
    const outcomes = (await consumer.store.timeline(wamid)).map((e) => [e.status, e.outcome]);
    expect(outcomes).toEqual([
      ['sent', 'stale'],
      ['delivered', 'stale'],
      ['read', 'applied'],
    ]);
  });

  it('e2e - a delivered five hours late is discarded; failed stays terminal; pricing of a late sent is merged', async () => {
    const late = 'wamid.e2e.late';
    await deliver([status(late, 'read', T + 60)]);
    await deliver([status(late, 'delivered', T + 2)]);
    const failed = 'wamid.e2e.failed';
    await deliver([status(failed, 'failed', T + 1, { errors: [{ code: 131047, title: 'Re-engagement message' }] })]);
    await deliver([status(failed, 'read', T + 9)]);
    const priced = 'wamid.e2e.priced';
    await deliver([status(priced, 'delivered', T + 3)]);
    await deliver([
      status(priced, 'sent', T, { pricing: { billable: true, category: 'service', pricing_model: 'CBP' } }),
    ]);
    await settled([late, failed, priced], 6);
    expect(await consumer.store.getMessage(late)).toMatchObject({ status: 'read', statusAt: { delivered: T + 2 } });
    expect(await consumer.store.getMessage(failed)).toMatchObject({ status: 'failed', rank: 100 });
    const doc = (await consumer.store.getMessage(priced))!;
    expect(doc.status).toBe('delivered');
    expect(doc.facts['sent']?.pricing).toMatchObject({ category: 'service' });
  });

  it('e2e - name then email, inverted, leaves the email; same-second messages are both kept and flagged', async () => {
    const ana = '5511987654321';
    await deliver([inbound('wamid.e2e.email', ana, T + 20, 'ana@example.com')]);
    await deliver([inbound('wamid.e2e.name', ana, T, 'Ana')]);
    const bo = '4915112345678';
    await deliver([inbound('wamid.e2e.same-B', bo, T)]);
    await deliver([inbound('wamid.e2e.same-A', bo, T)]);
    await settled(['wamid.e2e.email', 'wamid.e2e.name', 'wamid.e2e.same-A', 'wamid.e2e.same-B'], 4);
    expect(await consumer.store.getConversation(BUSINESS, ana)).toMatchObject({ last: { wamid: 'wamid.e2e.email' } });
    expect(await consumer.store.getConversation(BUSINESS, bo)).toMatchObject({ ambiguous: true, last: { wamid: 'wamid.e2e.same-B' } });
    expect((await consumer.store.getMessage('wamid.e2e.same-A'))?.inbound).toBeDefined();
    expect((await consumer.store.timeline('wamid.e2e.name'))[0]).toMatchObject({ outcome: 'stale', beatenBy: { bySeconds: 20 } });
  });

  it('e2e - shuffled lifecycles with re-sent webhooks and batched payloads converge to the reference join, each event logged once', async () => {
    const ladder: StatusName[] = ['sent', 'delivered', 'read'];
    const changes: ChangeSpec[] = [];
    const wamids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const wamid = `wamid.e2e.bulk.${i}`;
      wamids.push(wamid);
      const steps = i % 7 === 0 ? ['sent', 'failed'] : ladder.slice(0, 1 + (i % 3));
      steps.forEach((s, k) => {
        changes.push(status(wamid, s, T + 100 + i + k * 3));
      });
    }
    // Deterministic shuffle, then webhooks of 1-3 changes; every fifth one sent twice.
    const rnd = seededRandom(42);
    const order = shuffled(changes, rnd);
    const before = sent.length;
    let hooks = 0;
    for (let i = 0; i < order.length; hooks++) {
      const size = 1 + Math.floor(rnd() * 3);
      const part = order.slice(i, i + size);
      i += size;
      await deliver(part);
      if (hooks % 5 === 0) {
        await deliver(part); // Meta's retry: same bytes, same event ids
        sent.splice(sent.length - part.length, part.length);
      }
    }
    const mine = sent.slice(before);
    expect(mine).toHaveLength(changes.length);
    await settled(wamids, changes.length);
    const ref = referenceState(mine);
    for (const [wamid, want] of ref.messages) {
      const have = (await consumer.store.getMessage(wamid))!;
      // Regions and receive times differ from the reference's placeholder meta; compare the join.
      expect({ status: have.status, rank: have.rank, statusAt: have.statusAt }, wamid).toEqual({
        status: want.status,
        rank: want.rank,
        statusAt: want.statusAt,
      });
    }
    const ids = await loggedEvents(consumer.store, wamids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(changes.length);
  });
});
