// Issue 12, end to end: two regions (a nats-server cluster each, joined by gateways), each
// with a real ingress on a socket and a consumer, one kv store; a relay reading the store's
// event log (the change feed) and POSTing to real HTTP receivers that verify every
// Standard Webhooks signature. Webhooks go in inverted across the regions; what the
// business app receives comes out in the store's commit order per key, numbered without a
// gap, never two at once for a key, and (with a hold window) in WhatsApp order.
import { setTimeout as sleep } from 'node:timers/promises';
import { startSuperCluster } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// Not dependencies of the root package: loaded from their sources (as test/deploy does).
import { runCli } from '../../packages/cli/src/cli.ts';
import { captureIo } from '../../packages/cli/src/testing.ts';
import { buildWebhook, type ChangeSpec, type StatusEvent, webhookEvents } from '../../packages/core/src/index.ts';
import type { FeedEntry } from '../../packages/client/src/index.ts';
import { Receiver, startRelay } from '../../packages/relay/src/testkit.ts';
import { bucketNames, createStore, eventRowsSubject, type StateStore } from '../../packages/store/src/index.ts';
import { type RegionNode, startRegionNode, WAIT } from './region-node.ts';

const REGIONS = ['us-east', 'eu-west'] as const;
type Region = (typeof REGIONS)[number];
const SHARDS = 4;
const SECRET = 'e2e-app-secret';
const BUSINESS = '106540352242922';
const WABA = '102290129340398';
const T = 1_760_000_000;
const FEED = { stream: `KV_${bucketNames('wamesh').events}`, subject: eventRowsSubject('wamesh') };

const nats = useNats(() => startSuperCluster({ regions: [...REGIONS] }));
const nodes = new Map<Region, RegionNode>();
let store: StateStore;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const mesh = nats();
  const io = captureIo();
  const provisionArgs = ['provision', '--nats', mesh.regions['us-east']![0]!, '--regions', REGIONS.join(',')];
  expect(await runCli([...provisionArgs, '--shards', String(SHARDS), '--kv-store', '--json'], io), io.stderr.join('\n')).toBe(0);
  for (const region of REGIONS) nodes.set(region, await startRegionNode({ mesh, region, shards: SHARDS, appSecret: SECRET }));
  await vi.waitFor(
    () => expect(REGIONS.map((r) => nodes.get(r)?.worker.runner.owned().length), 'leases of all shards').toEqual(REGIONS.map(() => SHARDS)),
    WAIT,
  );
  store = createStore({ nc: await mesh.connect({ servers: mesh.regions['eu-west']!, name: 'e2e observer' }) });
  await store.init();
});

afterAll(async () => {
  await Promise.allSettled(stops.map((stop) => stop()));
  await Promise.allSettled([...nodes.values()].map((n) => n.stop()));
  await store?.close();
});

/**
 * A relay (read through us-east) with one endpoint delivering to a receiver of its own. The
 * relays of one deployment share the feed's partitions through leases, so the previous
 * test's relay stops first, as a replaced deployment would.
 */
async function relay(holdMs = 0): Promise<(key: string) => FeedEntry[]> {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  const receiver = await new Receiver().start();
  const nc = await nats().connect({ servers: nats().regions['us-east']!, name: 'e2e relay' });
  const { relay: r } = await startRelay(nc, FEED, { url: receiver.url, holdMs });
  stops.push(async () => {
    await r.stop();
    await receiver.stop();
    expect(receiver.rejectedSignatures).toEqual([]);
  });
  receivers.push(receiver);
  return (key) => receiver.accepted().filter((e) => e.key === key);
}
const receivers: Receiver[] = [];

/** POSTs one change to a region and waits until its event is logged, so the next arrives after it. */
async function post(region: Region, change: ChangeSpec): Promise<void> {
  const res = await nodes.get(region)!.post(JSON.stringify(buildWebhook([{ wabaId: WABA, changes: [change] }])));
  expect(res.status, res.body).toBe(200);
  const [event] = webhookEvents([{ wabaId: WABA, changes: [change] }], SHARDS);
  await expect
    .poll(async () => (await store.timeline(event!.wamid)).some((e) => e.eventId === event!.id), { message: `${event!.id} logged` })
    .toBe(true);
}

const inbound = (user: string, id: string, ts: number): ChangeSpec => ({
  phoneNumberId: BUSINESS,
  messages: [{ from: user, id, timestamp: ts, text: `text of ${id}` }],
});
const status = (id: string, s: string, ts: number, extra: Partial<NonNullable<ChangeSpec['statuses']>[number]> = {}): ChangeSpec => ({
  phoneNumberId: BUSINESS,
  statuses: [{ id, status: s, timestamp: ts, recipientId: '4915100000001', ...extra }],
});


describe('change feed and relay, end to end', () => {
  it('inbound messages of one user, inverted across two regions, reach the app in commit order, numbered, one at a time', async () => {
    const deliveredFor = await relay();
    const user = '4915100000010';
    await post('eu-west', inbound(user, 'wamid.feed.B', T + 30));
    await post('us-east', inbound(user, 'wamid.feed.A', T + 10));
    const key = `conv:${BUSINESS}:${user}`;
    await expect.poll(() => deliveredFor(key).length, { message: 'both entries delivered' }).toBeGreaterThanOrEqual(2);
    const got = deliveredFor(key);
    expect(got.map((e) => [e.kind, e.seq, e.event.id, e.region])).toEqual([
      ['message.received', 1, 'wamid.feed.B', 'eu-west'],
      ['message.late', 2, 'wamid.feed.A', 'us-east'],
    ]);
    expect(got[1]!.flags).toMatchObject({ late: true });
    // The entry carries the message as Meta sent it and the conversation it left.
    expect(got[0]!.event).toMatchObject({ text: { body: 'text of wamid.feed.B' } });
    expect(got[1]!.document).toMatchObject({ userKey: user, last: { wamid: 'wamid.feed.B' } });
    expect(receivers.flatMap((r) => r.overlaps)).not.toContain(key);
  });

  it('with a hold window larger than the gap, the late older message is delivered first, flagged reordered', async () => {
    const user = '4915100000020';
    const key = `conv:${BUSINESS}:${user}`;
    const deliveredFor = await relay(5_000);
    await post('eu-west', inbound(user, 'wamid.hold.B', T + 40));
    await post('us-east', inbound(user, 'wamid.hold.A', T + 20));
    await expect.poll(() => deliveredFor(key).length, { message: 'both held entries delivered', timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const got = deliveredFor(key);
    expect(got.map((e) => [e.event.id, e.kind, e.flags?.reordered ?? false])).toEqual([
      ['wamid.hold.A', 'message.received', true],
      ['wamid.hold.B', 'message.received', false],
    ]);
    // Delivered in WhatsApp order, it is no longer late.
    expect(got[0]!.flags?.late).toBeUndefined();
  });

  it('read, then delivered, then sent with pricing: advanced to read once, then merged entries, never a regression', async () => {
    const deliveredFor = await relay();
    const wamid = 'wamid.feed.out.1';
    const key = `msg:${wamid}`;
    const pricing = { billable: true, pricing_model: 'PMP', category: 'utility' };
    await post('eu-west', status(wamid, 'read', T + 9));
    await post('us-east', status(wamid, 'delivered', T + 5));
    await post('eu-west', status(wamid, 'sent', T + 1, { pricing }));
    await expect.poll(() => deliveredFor(key).length, { message: 'three status entries delivered' }).toBeGreaterThanOrEqual(3);
    const got = deliveredFor(key);
    expect(got.map((e) => [e.kind, e.seq, (e.event as { status?: string }).status])).toEqual([
      ['status.advanced', 1, 'read'],
      ['status.merged', 2, 'delivered'],
      ['status.merged', 3, 'sent'],
    ]);
    expect(got.every((e) => (e.document as { status?: string }).status === 'read')).toBe(true);
    expect(got[2]!.event).toMatchObject({ pricing });
    expect(got[2]!.document).toMatchObject({ facts: { sent: { pricing } } });
  });

  it('fields other than messages reach the app as field entries of their business, numbered, a re-send once', async () => {
    const deliveredFor = await relay();
    const change = (event: string) => ({
      object: 'whatsapp_business_account',
      entry: [{ id: 'WABA-F1', time: T, changes: [{ field: 'account_update', value: { event, waba_info: { waba_id: 'WABA-F1' } } }] }],
    });
    for (const [region, body] of [
      ['us-east', change('ACCOUNT_RESTRICTION')],
      ['eu-west', change('ACCOUNT_VIOLATION')],
      ['eu-west', change('ACCOUNT_RESTRICTION')],
    ] as const) {
      const res = await nodes.get(region)!.post(JSON.stringify(body));
      expect(res.status, res.body).toBe(200);
    }
    const key = 'field:WABA-F1';
    await expect.poll(() => deliveredFor(key).length, { message: 'two field entries delivered' }).toBeGreaterThanOrEqual(2);
    // The re-sent one (third POST, other region) is a duplicate: no third entry comes.
    await sleep(1_000);
    const got = deliveredFor(key);
    expect(got.map((e) => [e.kind, e.seq, (e.event as { value: { event: string } }).value.event])).toEqual([
      ['field', 1, 'ACCOUNT_RESTRICTION'],
      ['field', 2, 'ACCOUNT_VIOLATION'],
    ]);
    expect((await store.timeline('WABA-F1')).map((r) => r.field)).toEqual(['account_update', 'account_update']);
  });

  it('a consumer that died between the state write and the log row: the redelivery still yields the change, once', async () => {
    const deliveredFor = await relay();
    const wamid = 'wamid.feed.crash';
    const key = `msg:${wamid}`;
    const change = status(wamid, 'delivered', T + 3);
    // The attempt that died: the state (and its feed number) committed, no log row.
    const [event] = webhookEvents([{ wabaId: WABA, changes: [change] }], SHARDS);
    const [first] = await store.applyStatuses([{ event: event as StatusEvent, meta: { region: 'us-east', receivedAt: Date.now() } }]);
    expect(first).toMatchObject({ outcome: 'applied', seq: 1 });
    // Its redelivery (here: Meta's retry of the same webhook).
    await post('us-east', change);
    await expect.poll(() => deliveredFor(key).length, { message: 'the change delivered' }).toBeGreaterThanOrEqual(1);
    const [row] = (await store.timeline(wamid)).filter((e) => e.eventId === event!.id);
    expect(row).toMatchObject({ outcome: 'applied', seq: 1, feedKey: key });
    expect(deliveredFor(key).map((e) => [e.kind, e.seq])).toEqual([['status.advanced', 1]]);
  });
});

describe('business-scoped user ids, end to end', () => {
  it('one user’s messages, inverted across regions, one with a phone number and one without: the later wins, found by either id', async () => {
    const bsuid = 'US.13491208655302741918';
    const wa = '16315551181';
    // Newer first (us-east): a username user, BSUID only, sender named only in contacts[].
    await post('us-east', { phoneNumberId: BUSINESS, messages: [{ userId: bsuid, username: 'ana.b', id: 'wamid.bs.new', timestamp: T + 50 }] });
    // Older second (eu-west): the same user while it still had its phone number in webhooks.
    await post('eu-west', { phoneNumberId: BUSINESS, messages: [{ from: wa, userId: bsuid, name: 'Ana', id: 'wamid.bs.old', timestamp: T + 45 }] });
    for (const id of [bsuid, wa, 'ana.b']) {
      const io = captureIo();
      const url = nats().regions['eu-west']![0]!;
      expect(await runCli(['conversation', BUSINESS, id, '--nats', url, '--json'], io), io.stderr.join('\n')).toBe(0);
      const doc = JSON.parse(io.stdout.join('\n'));
      expect(doc, id).toMatchObject({ userKey: bsuid, last: { wamid: 'wamid.bs.new' }, ids: { waId: [wa], userId: [bsuid], username: ['ana.b'] } });
    }
    // Statuses of a message sent to the user, recipient named by BSUID only: `wamesh status` by either id.
    await post('eu-west', { phoneNumberId: BUSINESS, statuses: [{ id: 'wamid.bs.out', status: 'read', timestamp: T + 60, recipientUserId: bsuid }] });
    for (const id of ['wamid.bs.out', bsuid]) {
      const io = captureIo();
      expect(await runCli(['status', id, '--nats', nats().regions['eu-west']![0]!, '--json'], io), io.stderr.join('\n')).toBe(0);
      expect(JSON.stringify(JSON.parse(io.stdout.join('\n'))), id).toContain('"status":"read"');
    }
    const trace = captureIo();
    expect(await runCli(['trace', wa, '--nats', nats().regions['us-east']![0]!, '--json'], trace)).toBe(0);
    expect(JSON.stringify(JSON.parse(trace.stdout.join('\n')))).toContain('wamid.bs.old');
  });
});
