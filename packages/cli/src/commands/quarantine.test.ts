// `wamesh quarantine`: a real ingress running an OLDER parser (one that cannot sequence
// location messages) quarantines bodies on a real nats-server; `quarantine list` shows them,
// `quarantine replay` runs them through the current parser: what parses now lands in the
// input stream with the body's original meta, once, and leaves quarantine; what still fails
// stays with its new reasons; a body that is not JSON stays as it is.
import { DiscardPolicy, type JetStreamManager, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { HEADER_RECEIVED_AT, HEADER_REGION, HEADER_TRACEPARENT, decodeQuarantined } from '@wamesh/bus';
import { quarantineId, type Split, splitWebhook, streamNames } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { startTestTelemetry } from '@wamesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngressFixture, startIngress } from '../../../ingress/src/testing.ts';
import { runCli } from '../cli.ts';
import type { QuarantineView } from '../quarantine/items.ts';
import type { QuarantineReplayItem } from '../quarantine/replay.ts';
import { captureIo } from '../testing.ts';

// Before the ingress exists: @fastify/otel hooks every Fastify instance created afterwards.
const telemetry = startTestTelemetry({ serviceName: 'wamesh-ingress', region: 'qa' });
const SHARDS = 4;
const PNID = '106540352242922';
const bus = useNats(() => startServer({ name: 'bus' }));
let jsm: JetStreamManager;
let qa: IngressFixture;
let qb: IngressFixture;

/** The parser of an older release: location messages are rejected, everything else as today. */
function olderParser(json: unknown, shards: number): Split {
  const s = splitWebhook(json, shards);
  const old = s.events.map((e) => e.kind === 'msg' && e.type === 'location');
  const keep = <T>(xs: T[]) => xs.filter((_, i) => !old[i]);
  return {
    events: keep(s.events),
    eventPaths: keep(s.eventPaths),
    fields: s.fields,
    rejected: [...s.rejected, ...s.eventPaths.filter((_, i) => old[i]).map((path) => ({ path, reason: 'location messages are not supported' }))],
  };
}

const text = (id: string, from: string, ts: number) => ({ from, id, timestamp: String(ts), type: 'text', text: { body: 'hi' } });
const location = (id: string, from: string, ts: number) => ({
  from,
  id,
  timestamp: String(ts),
  type: 'location',
  location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' },
});
const body = (messages: object[], statuses: object[] = []) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: PNID }, messages, statuses },
          },
        ],
      },
    ],
  });

const T = 1_760_000_000;
// A: good parts and one location. B: a location and a message without an id (fails today too).
const A = body(
  [text('wamid.q.a0', '4915100', T), text('wamid.q.a1', '4915101', T + 1), location('wamid.q.aloc', '4915102', T + 2)],
  [{ id: 'wamid.q.out', status: 'delivered', timestamp: String(T + 3), recipient_id: '4915103' }],
);
const B = body([location('wamid.q.bloc', '4915104', T + 4), { from: '4915105', timestamp: String(T + 5), type: 'text', text: { body: 'no id' } }]);
const C = 'this is not JSON {';
const D = body([location('wamid.q.dloc', '4915106', T + 6)]);
const E = body([text('wamid.q.e0', '4915107', T + 7)]);

async function cli(...args: string[]) {
  const io = captureIo();
  // WAMESH_HOME elsewhere: a developer's running dev mesh must not be picked up.
  const code = await runCli(['quarantine', ...args, '--nats', bus().url, '--home', '/nonexistent/wamesh-home'], io);
  return { code, io, json: () => JSON.parse(io.stdout.join('\n')) };
}

/** The trace context Meta's request carried, one per body. */
const traceparentOf = (raw: string) => `00-${quarantineId(Buffer.from(raw)).slice(2)}-b7ad6b7169203331-01`;
const byMsgId = (msgs: StoredMsg[], raw: string) => msgs.find((m) => m.header.get('Nats-Msg-Id') === quarantineId(Buffer.from(raw)));
const eventOf = (m: StoredMsg) => JSON.parse(new TextDecoder().decode(m.data)) as { wamid: string; kind: string };

beforeAll(async () => {
  // Receive times a second apart per request, so each event can be traced to its body.
  const clock = (start: number) => () => (start += 1_000);
  qa = await startIngress(bus(), { region: 'qa', shards: SHARDS, split: olderParser, now: clock(1_760_000_000_000) });
  qb = await startIngress(bus(), { region: 'qb', shards: SHARDS, split: olderParser, now: clock(1_770_000_000_000) });
  jsm = await jetstreamManager(qa.nc);
  for (const [f, raw] of [
    [qa, A],
    [qa, B],
    [qa, C],
    [qb, D],
    [qb, E],
  ] as const) {
    const res = await f.post(raw, { traceparent: traceparentOf(raw) });
    expect(res.statusCode, res.body).toBe(200);
  }
});

afterAll(async () => {
  await qa?.close();
  await qb?.close();
  await telemetry.shutdown();
});

describe('quarantine', () => {
  it('quarantine - the older ingress quarantined each body once, whole; list shows region, receive time, trace id, size and every rejected path and reason', async () => {
    const quarantined = await qa.quarantined();
    expect(quarantined).toHaveLength(3);
    // Only A's good parts are in the input stream.
    expect((await qa.messages()).map((m) => eventOf(m).wamid).sort()).toEqual(['wamid.q.a0', 'wamid.q.a1', 'wamid.q.out']);

    const listed = await cli('list', '--json');
    expect(listed.code, listed.io.stderr.join('\n')).toBe(0);
    const report = listed.json();
    expect(report.total).toBe(4);
    expect(report.regions.map((r: { region: string }) => r.region)).toEqual(['qa', 'qb']);
    const bodies: QuarantineView[] = report.regions[0].bodies;
    const view = (raw: string) => bodies.find((b) => b.msgId === quarantineId(Buffer.from(raw)))!;
    for (const [raw, stored] of [A, B, C].map((r) => [r, byMsgId(quarantined, r)!] as const)) {
      // The ingress's span continues the request's trace.
      const traceparent = stored.header.get(HEADER_TRACEPARENT);
      expect(traceparent.split('-')[1]).toBe(traceparentOf(raw).split('-')[1]);
      expect(view(raw)).toMatchObject({
        seq: stored.seq,
        region: 'qa',
        receivedAt: new Date(Number(stored.header.get(HEADER_RECEIVED_AT))).toISOString(),
        traceparent,
        traceId: traceparent.split('-')[1],
        bytes: Buffer.byteLength(raw),
      });
    }
    const locationReason = 'location messages are not supported';
    expect(view(A)).toMatchObject({ count: 1, parts: [{ path: 'entry.0.changes.0.value.messages.2', reason: locationReason }] });
    expect(view(B).count).toBe(2);
    expect(view(B).parts).toEqual(
      expect.arrayContaining([
        { path: 'entry.0.changes.0.value.messages.0', reason: locationReason },
        { path: 'entry.0.changes.0.value.messages.1', reason: expect.stringMatching(/^id: /) },
      ]),
    );
    expect(view(C)).toMatchObject({ count: 1, parts: [{ path: 'body', reason: expect.stringMatching(/^the body is not JSON/) }] });

    const human = await cli('list', '--region', 'qa');
    const out = human.io.stdout.join('\n');
    expect(out).toMatch(/qa {2}WAQUAR_QA: 3 quarantined bodies/);
    expect(out).toMatch(/entry\.0\.changes\.0\.value\.messages\.2: location messages are not supported/);
    expect(out).toMatch(/body: the body is not JSON/);
    expect(out).toContain(view(A).traceId);
  });

  it('quarantine - a replay whose publish is refused deletes nothing', async () => {
    const input = streamNames('qb').input;
    const info = await jsm.streams.info(input);
    // The input stream full (discard new): JetStream refuses the replayed event.
    expect(info.state.messages).toBe(1);
    await jsm.streams.update(input, { ...info.config, max_msgs: 1, discard: DiscardPolicy.New });
    try {
      const r = await cli('replay', '--region', 'qb', '--json');
      expect(r.code).toBe(1);
      const result = r.json();
      expect(result.total).toMatchObject({ replayed: 0, failed: 1, remaining: 1 });
      expect(result.regions[0].items[0].reason).toMatch(/publish failed: .*left in quarantine/);
      expect(await qb.quarantined()).toHaveLength(1);
      expect(await qb.count()).toBe(1);
    } finally {
      await jsm.streams.update(input, info.config);
    }
  });

  it('quarantine - replay with the current parser: locations land once with their body\'s meta and leave quarantine; a part that still fails stays with its new reason; non-JSON stays as it is', async () => {
    const stored = await qa.quarantined();
    const [a, b, c] = [A, B, C].map((raw) => byMsgId(stored, raw)!) as [StoredMsg, StoredMsg, StoredMsg];
    const inputBefore = await qa.count();
    const qbInputBefore = await qb.count();

    const r = await cli('replay', '--json');
    expect(r.code, r.io.stderr.join('\n')).toBe(0);
    const result = r.json();
    expect(result.total).toEqual({ replayed: 2, requarantined: 1, unchanged: 1, failed: 0, notFound: 0, remaining: 2 });
    const items: QuarantineReplayItem[] = result.regions[0].items;
    expect(items.find((i) => i.seq === a.seq)).toMatchObject({ action: 'replayed', events: 1, fields: 0, duplicates: 0 });
    expect(items.find((i) => i.seq === c.seq)).toMatchObject({ action: 'unchanged', events: 0 });
    const bItem = items.find((i) => i.seq === b.seq)!;
    expect(bItem).toMatchObject({ action: 'requarantined', events: 1, msgId: `${quarantineId(Buffer.from(B))}:r${b.seq}` });

    // One new event per location, nothing else: the good parts of A were not published again.
    const input = await qa.messages();
    expect(input).toHaveLength(inputBefore + 2);
    expect(new Set(input.map((m) => eventOf(m).wamid)).size).toBe(input.length);
    for (const [wamid, from] of [
      ['wamid.q.aloc', a],
      ['wamid.q.bloc', b],
    ] as const) {
      const m = input.find((x) => eventOf(x).wamid === wamid)!;
      expect(eventOf(m).kind).toBe('msg');
      expect(m.subject).toMatch(/^wa\.qa\.msg\.\d$/);
      expect(m.header.get(HEADER_REGION)).toBe('qa');
      expect(m.header.get(HEADER_RECEIVED_AT)).toBe(from.header.get(HEADER_RECEIVED_AT));
      expect(m.header.get(HEADER_TRACEPARENT)).toBe(from.header.get(HEADER_TRACEPARENT));
    }
    expect(await qb.count()).toBe(qbInputBefore + 1);
    expect(await qb.quarantined()).toEqual([]);

    // A is gone, C untouched at its seq, B replaced by a record of its one failing part.
    const after = await qa.quarantined();
    expect(after.map((m) => m.seq)).toEqual([c.seq, expect.any(Number)]);
    const replaced = after[1]!;
    expect(replaced.seq).toBeGreaterThan(b.seq);
    expect(replaced.header.get('Nats-Msg-Id')).toBe(bItem.msgId);
    const q = decodeQuarantined(replaced.data, replaced.header);
    expect(Buffer.from(q.raw).toString()).toBe(B);
    expect(q.rejected).toEqual([{ path: 'entry.0.changes.0.value.messages.1', reason: expect.stringMatching(/^id: /) }]);
    expect(q.count).toBe(1);
    expect(q.meta).toEqual(decodeQuarantined(b.data, b.header).meta);

    // A second run finds nothing new: both stay as they are, nothing is published.
    const again = await cli('replay', '--region', 'qa');
    expect(again.code).toBe(0);
    expect(again.io.stdout.join('\n')).toMatch(/still fails: entry\.0\.changes\.0\.value\.messages\.1: id: [\s\S]*replayed 0, re-quarantined 0, unchanged 2, failed 0; left in quarantine: 2/);
    expect((await qa.quarantined()).map((m) => m.seq)).toEqual([c.seq, replaced.seq]);
    expect(await qa.count()).toBe(inputBefore + 2);
  });

  it('quarantine - usage: a subcommand is needed; --seq wants one region; a missing seq is reported', async () => {
    const none = captureIo();
    expect(await runCli(['quarantine'], none)).toBe(2);
    expect(none.stderr.join('\n')).toMatch(/wamesh quarantine list/);
    const two = await cli('replay', '--seq', '1');
    expect(two.code).toBe(2);
    expect(two.io.stderr.join('\n')).toMatch(/--seq numbers belong to one region/);
    const missing = await cli('replay', '--region', 'qa', '--seq', '999999', '--json');
    expect(missing.code).toBe(1);
    expect(missing.json().total).toMatchObject({ notFound: 1, remaining: 2 });
    const unknown = await cli('list', '--region', 'nowhere');
    expect(unknown.code).toBe(5);
    expect(unknown.io.stderr.join('\n')).toMatch(/no stream WAQUAR_NOWHERE/);
  });
});
