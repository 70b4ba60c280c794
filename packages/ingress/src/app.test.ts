import { decodeQuarantined } from '@wamesh/bus';
import { quarantineId, sequencedEvents, shardOf, signBody, waEventSchema } from '@wamesh/core';
import { describe, expect } from 'vitest';
import { type IngressFixture, ingressTest, RECEIVED_AT, SECRET, startIngress, VERIFY_TOKEN, webhookBody } from './testing.ts';

const test = ingressTest.override('ingressOptions', { region: 'eu-west', shards: 16, bodyLimitBytes: 64 * 1024 });
let tagSeq = 0;
const tag = () => `t${++tagSeq}`;

describe('webhook - durable publish', () => {
  test('N messages and M statuses become exactly N+M stream messages on their subjects, shards and headers', async ({ ingress: f }) => {
    const body = webhookBody(tag(), 3, 4);
    const before = await f.count();
    const res = await f.post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 7, duplicates: 0, fields: 0, quarantined: 0 });

    const events = sequencedEvents(JSON.parse(body), 16);
    const stored = (await f.messages()).slice(before);
    expect(stored).toHaveLength(7);
    for (const event of events) {
      const m = stored.find((s) => s.header?.get('Nats-Msg-Id') === event.id);
      expect(m, event.id).toBeDefined();
      const key = event.kind === 'msg' ? event.userKey : event.wamid;
      expect(m!.subject).toBe(`wa.eu-west.${event.kind}.${shardOf(key, 16)}`);
      expect(m!.header?.get('Wa-Region')).toBe('eu-west');
      expect(m!.header?.get('Wa-Received-At')).toBe(String(RECEIVED_AT));
      expect(waEventSchema.parse(m!.json())).toEqual(event);
    }
    expect(stored.filter((s) => s.subject.includes('.msg.'))).toHaveLength(3);
  });

  test('the same webhook again answers 200 and stores nothing new (duplicate window)', async ({ ingress: f }) => {
    const body = webhookBody(tag(), 2, 2);
    expect((await f.post(body)).statusCode).toBe(200);
    const after = await f.count();
    const again = await f.post(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 4, duplicates: 4, fields: 0, quarantined: 0 });
    expect(await f.count()).toBe(after);
    expect(await f.metrics.render()).toMatch(/wamesh_ingress_events_duplicate_total\{kind="status"[^}]*\} [1-9]/);
  });

  test('accepts any of the configured secrets (rotation)', async ({ ingress: f }) => {
    const body = webhookBody(tag(), 1, 0);
    const res = await f.post(body, { 'x-hub-signature-256': signBody(body, 'rotated-out-secret') });
    expect(res.statusCode).toBe(200);
  });
});

describe('webhook - authentication', () => {
  const cases: [string, (body: string) => Record<string, string | string[]>, string][] = [
    ['missing', () => ({ 'x-hub-signature-256': '' }), 'SIGNATURE_MISSING'],
    ['malformed (no sha256= prefix)', (b) => ({ 'x-hub-signature-256': signBody(b, SECRET).slice(7) }), 'SIGNATURE_MALFORMED'],
    ['malformed (short digest)', (b) => ({ 'x-hub-signature-256': signBody(b, SECRET).slice(0, 40) }), 'SIGNATURE_MALFORMED'],
    ['repeated header', (b) => ({ 'x-hub-signature-256': [signBody(b, SECRET), signBody(b, SECRET)] }), 'SIGNATURE_MALFORMED'],
    ['wrong secret', (b) => ({ 'x-hub-signature-256': signBody(b, 'not-the-secret') }), 'SIGNATURE_MISMATCH'],
    ['signature of another body', (b) => ({ 'x-hub-signature-256': signBody(`${b} `, SECRET) }), 'SIGNATURE_MISMATCH'],
  ];
  test.for(cases)('401 for a %s signature, and the stream is unchanged', async ([, headers, code], { ingress: f }) => {
    const body = webhookBody(tag(), 2, 1);
    const before = await f.count();
    const res = await f.post(body, headers(body));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code } });
    expect(await f.count()).toBe(before);
  });

  test('401 without the header at all, even for a body that is not JSON', async ({ ingress: f }) => {
    const res = await f.app.inject({ method: 'POST', url: '/webhook', payload: 'not json' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('SIGNATURE_MISSING');
  });
});

describe('webhook - validation', () => {
  /** The quarantine record of a body, checked to hold its exact bytes and reasons. */
  async function quarantineOf(f: IngressFixture, body: string) {
    const q = (await f.quarantined()).find((m) => m.header?.get('Nats-Msg-Id') === quarantineId(Buffer.from(body)));
    expect(q, 'quarantined').toBeDefined();
    expect(Buffer.from(q!.data).toString('utf8')).toBe(body);
    expect(q!.subject).toBe('waquar.eu-west');
    return decodeQuarantined(q!.data, q!.header);
  }

  test('200 for a signed body that is not JSON: kept in quarantine, byte for byte, with the reason', async ({ ingress: f }) => {
    const body = `{"object": "whatsapp_business_account", ${tag()}`;
    const before = await f.count();
    const res = await f.post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 0, duplicates: 0, fields: 0, quarantined: 1 });
    expect((await quarantineOf(f, body)).rejected).toEqual([{ path: 'body', reason: expect.stringContaining('not JSON') }]);
    expect(await f.count()).toBe(before);
    expect(f.logs.some((l) => l.level === 'warn' && l.msg === 'webhook parts quarantined')).toBe(true);
  });

  test('200 for a signed empty body, quarantined', async ({ ingress: f }) => {
    const res = await f.post('');
    expect(res.statusCode).toBe(200);
    const q = (await f.quarantined()).find((m) => m.data.length === 0);
    expect(decodeQuarantined(q!.data, q!.header).rejected).toEqual([{ path: 'body', reason: 'the body is empty' }]);
  });

  test('a bad part costs only itself: the good parts are stored, the bad one quarantined naming its path, one 200', async ({ ingress: f }) => {
    const webhook = JSON.parse(webhookBody(tag(), 1, 2));
    delete webhook.entry[0].changes[0].value.statuses[0].status;
    const body = JSON.stringify(webhook);
    const before = await f.count();
    const res = await f.post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 2, duplicates: 0, fields: 0, quarantined: 1 });
    expect(await f.count()).toBe(before + 2);
    const q = await quarantineOf(f, body);
    expect(q.rejected).toEqual([{ path: 'entry.0.changes.0.value.statuses.0', reason: expect.stringContaining('status') }]);
    expect(q.meta).toMatchObject({ region: 'eu-west', receivedAt: RECEIVED_AT });
    expect(await f.metrics.render()).toMatch(/wamesh_ingress_quarantined_parts_total\{[^}]*\} [1-9]/);
  });

  test('200 for signed JSON that is not a webhook at all, quarantined', async ({ ingress: f }) => {
    for (const body of ['[]', '42', '"x"', 'null', `{"entry":"${tag()}"}`]) {
      const res = await f.post(body);
      expect(res.statusCode, body).toBe(200);
      expect((await quarantineOf(f, body)).rejected).toHaveLength(1);
    }
  });

  test('413 above the body limit, signed or not, nothing stored', async ({ ingress: f }) => {
    const big = JSON.stringify({ object: 'whatsapp_business_account', entry: [], pad: 'x'.repeat(70 * 1024) });
    const before = await f.count();
    expect((await f.post(big)).statusCode).toBe(413);
    const unsigned = await f.app.inject({ method: 'POST', url: '/webhook', payload: big });
    expect(unsigned.statusCode).toBe(413);
    expect(unsigned.json().error.code).toBe('BODY_TOO_LARGE');
    expect(await f.count()).toBe(before);
  });

  test('takes the body as bytes whatever the content type', async ({ ingress: f }) => {
    const body = webhookBody(tag(), 1, 0);
    expect((await f.post(body, { 'content-type': 'text/plain' })).statusCode).toBe(200);
    expect((await f.post(webhookBody(tag(), 1, 0), { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(200);
  });
});

describe('webhook - events the stream cannot take', () => {
  test('500 (never 200) for a signed webhook whose event exceeds the NATS max payload, nothing stored', async ({ nats }) => {
    const big = await startIngress(nats, { region: 'big', bodyLimitBytes: 4 * 1_048_576 });
    try {
      const webhook = JSON.parse(webhookBody(tag(), 1, 0));
      webhook.entry[0].changes[0].value.messages[0].text.body = 'x'.repeat(1_200_000);
      const res = await big.post(JSON.stringify(webhook));
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('PUBLISH_FAILED');
      expect(await big.count()).toBe(0);
      expect(big.logs.some((l) => l.level === 'error' && l.code === 'PUBLISH_FAILED')).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe('webhook - other objects and fields', () => {
  test('stores other objects and non-messages fields as field events in their own stream, and counts them', async ({ ingress: f }) => {
    const before = await f.count();
    const fieldsBefore = (await f.fields()).length;
    const page = JSON.stringify({ object: 'page', entry: [{ id: '1', time: 1, changes: [{ field: 'feed', value: {} }] }] });
    expect((await f.post(page)).statusCode).toBe(200);
    const value = { event: 'VERIFIED_ACCOUNT', n: tag() };
    const other = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value }] }] });
    const res = await f.post(other);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 0, duplicates: 0, fields: 1, quarantined: 0 });
    expect(await f.count()).toBe(before);
    const fields = (await f.fields()).slice(fieldsBefore);
    expect(fields.map((m) => m.subject)).toEqual(['wafield.eu-west.feed', 'wafield.eu-west.account_update']);
    expect(fields[1]!.json()).toMatchObject({ kind: 'field', object: 'whatsapp_business_account', field: 'account_update', wabaId: '1', value });
    // A re-sent webhook is stored once.
    expect((await f.post(other)).statusCode).toBe(200);
    expect((await f.fields()).length).toBe(fieldsBefore + 2);
    const text = await f.metrics.render();
    expect(text).toMatch(/wamesh_ingress_field_events_total\{field="feed"[^}]*\} 1/);
    expect(text).toMatch(/wamesh_ingress_field_events_total\{field="account_update"[^}]*\} 2/);
  });
});

describe('webhook - verification handshake', () => {
  const get = (f: IngressFixture, q: string) => f.app.inject({ method: 'GET', url: `/webhook?${q}` });

  test('echoes hub.challenge as text/plain for the right token', async ({ ingress: f }) => {
    const res = await get(f, `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('1158201444');
  });

  test.for<[string, string]>([
    ['a wrong token', 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1'],
    ['a wrong mode', `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`],
    ['no token', 'hub.mode=subscribe&hub.challenge=1'],
    ['no challenge', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`],
    ['a repeated token', `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.verify_token=x&hub.challenge=1`],
  ])('403 for %s', async ([, q], { ingress: f }) => {
    const res = await get(f, q);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('VERIFY_REJECTED');
  });
});

describe('probes and metrics', () => {
  test('healthz is 200; readyz is 200 with the stream reachable', async ({ ingress: f }) => {
    expect((await f.app.inject('/healthz')).statusCode).toBe(200);
    const ready = await f.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { nats: 'ok', stream: 'ok' } });
  });

  test('readyz is 503 when the region has no stream', async ({ nats }) => {
    const other = await startIngress(nats, { region: 'nowhere', provision: false });
    try {
      const res = await other.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_READY' }, checks: { nats: 'ok' } });
    } finally {
      await other.close();
    }
  });

  test('/metrics has requests by status and code, events by kind and the publish latency histogram', async ({ ingress: f }) => {
    const res = await f.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/wamesh_ingress_requests_total\{route="\/webhook",status="200",code=""[^}]*\} \d+/);
    expect(res.body).toMatch(/wamesh_ingress_requests_total\{route="\/webhook",status="401",code="SIGNATURE_MISMATCH"/);
    expect(res.body).toMatch(/wamesh_ingress_events_published_total\{kind="msg"[^}]*\} \d+/);
    expect(res.body).toMatch(/wamesh_ingress_events_published_total\{kind="status"[^}]*\} \d+/);
    expect(res.body).toContain('wamesh_ingress_publish_seconds_bucket');
  });

  test('unknown routes answer 404 in the catalogue format', async ({ ingress: f }) => {
    const res = await f.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'not found' } });
  });
});

describe('logs', () => {
  test('no line at info for a plain 200; one for a retry, with request id, region and counts; never secrets or message bodies', async ({ ingress: f }) => {
    const body = webhookBody(tag(), 1, 1);
    const before = f.logs.length;
    expect((await f.post(body)).statusCode).toBe(200);
    expect(f.logs.slice(before).filter((l) => l.msg === 'webhook stored')).toHaveLength(0);
    expect((await f.post(body)).statusCode).toBe(200);
    const line = f.logs.findLast((l) => l.msg === 'webhook stored');
    expect(line).toMatchObject({
      level: 'info',
      region: 'eu-west',
      service: 'wamesh-ingress',
      events: 2,
      published: 0,
      duplicates: 2,
    });
    expect(typeof line?.reqId).toBe('string');
    const text = f.logText();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(VERIFY_TOKEN);
    expect(text).not.toContain('hello 0'); // a text message body
    expect(text).not.toMatch(/sha256=[0-9a-f]{16}/);
  });
});
