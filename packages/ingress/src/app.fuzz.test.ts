// Thousands of random and mutated requests: the only answers are 200/401/413, the app
// stays up, nothing that was not properly signed ever reaches a stream, and every part of a
// signed body is stored: its events in the input stream, its field events in theirs, and
// the body in quarantine when a part could not be sequenced.
import { quarantineId, signBody, splitWebhook } from '@wamesh/core';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { ingressTest, SECRET, webhookBody } from './testing.ts';

const LIMIT = 8 * 1024;
const RUNS = 3_000;
const test = ingressTest.override('ingressOptions', { region: 'fuzz', bodyLimitBytes: LIMIT, logLevel: 'error' });

const token = fc.stringMatching(/^[A-Za-z0-9._-]{1,24}$/);
const digits = fc.integer({ min: 0, max: 2_000_000_000 }).map(String);

/** Structurally plausible webhooks: many are valid, some violate the schema in one place. */
const webhookJson = fc.record({
  object: fc.oneof(fc.constant('whatsapp_business_account'), fc.constant('page'), fc.string()),
  entry: fc.array(
    fc.record({
      id: fc.oneof(token, fc.integer()),
      changes: fc.array(
        fc.record({
          field: fc.oneof(fc.constant('messages'), fc.constant('statuses'), token),
          value: fc.record({
            messaging_product: fc.constant('whatsapp'),
            metadata: fc.record({ display_phone_number: digits, phone_number_id: fc.oneof(digits, fc.constant('')) }),
            messages: fc.option(
              fc.array(
                fc.record({
                  id: fc.string({ minLength: 0, maxLength: 30 }),
                  from: fc.oneof(digits, fc.string({ unit: 'binary', maxLength: 12 })),
                  timestamp: fc.oneof(digits, fc.integer({ min: -5, max: 2_000_000_000 }), fc.string()),
                  type: fc.oneof(fc.constant('text'), token),
                  text: fc.record({ body: fc.string({ unit: 'binary', maxLength: 40 }) }),
                }),
                { maxLength: 3 },
              ),
              { nil: undefined },
            ),
            statuses: fc.option(
              fc.array(
                fc.record({
                  id: fc.string({ minLength: 1, maxLength: 30 }),
                  status: fc.oneof(fc.constantFrom('sent', 'delivered', 'read', 'failed', 'played'), fc.string({ maxLength: 10 })),
                  timestamp: fc.oneof(digits, fc.string({ maxLength: 5 })),
                  recipient_id: fc.oneof(digits, fc.constant('')),
                }),
                { maxLength: 3 },
              ),
              { nil: undefined },
            ),
          }),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

const valid = fc.integer({ min: 0, max: 1e9 }).map((n) => webhookBody(`f${n}`, n % 3, (n >> 2) % 3));
const mutate = (s: string, at: number, what: string, cut: number) => {
  const i = at % (s.length + 1);
  return s.slice(0, i) + what + s.slice(i + (cut % 4));
};

const body = fc.oneof(
  { weight: 3, arbitrary: webhookJson.map((w) => JSON.stringify(w)) },
  { weight: 2, arbitrary: valid },
  { weight: 2, arbitrary: fc.tuple(valid, fc.nat(), fc.string({ maxLength: 3 }), fc.nat()).map(([s, a, w, c]) => mutate(s, a, w, c)) },
  { weight: 1, arbitrary: fc.json().map(String) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: LIMIT - 64, max: LIMIT * 2 }).map((n) => `{"object":"page","entry":[],"p":"${'x'.repeat(n)}"}`) },
);

type Signing = 'valid' | 'none' | 'empty' | 'wrong-secret' | 'garbage' | 'signed-then-mutated' | 'twice' | 'uppercase-hex';
const signing = fc.constantFrom<Signing>(
  'valid',
  'valid',
  'valid',
  'none',
  'empty',
  'wrong-secret',
  'garbage',
  'signed-then-mutated',
  'twice',
  'uppercase-hex',
);
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x'),
    fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,12}$/),
  ),
  { nil: undefined },
);
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.stringMatching(/^[\x21-\x7e]{0,30}$/), { maxKeys: 3 });

describe('webhook - fuzz', () => {
  test(`${RUNS} random requests: only 200/401/413, nothing unsigned stored, no signed part dropped`, async ({ ingress: f }) => {
    const ids = async () =>
      [...(await f.messages()), ...(await f.fields()), ...(await f.quarantined())].map((m) => m.header?.get('Nats-Msg-Id') ?? '');
    const before = new Set(await ids());
    const accepted = new Set<string>();
    const seen = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(body, signing, contentType, extraHeaders, fc.nat(), async (raw, how, ct, extra, salt) => {
        let sent: string | Buffer = raw;
        const headers: Record<string, string | string[]> = { ...extra };
        if (ct !== undefined) headers['content-type'] = ct;
        switch (how) {
          case 'valid':
            headers['x-hub-signature-256'] = signBody(raw, SECRET);
            break;
          case 'uppercase-hex':
            headers['x-hub-signature-256'] = `sha256=${signBody(raw, SECRET).slice(7).toUpperCase()}`;
            break;
          case 'none':
            break;
          case 'empty':
            headers['x-hub-signature-256'] = '';
            break;
          case 'wrong-secret':
            headers['x-hub-signature-256'] = signBody(raw, `${SECRET}-${salt}`);
            break;
          case 'garbage':
            headers['x-hub-signature-256'] = `sha256=${String(salt).padStart(64, 'g')}`;
            break;
          case 'signed-then-mutated': {
            headers['x-hub-signature-256'] = signBody(raw, SECRET);
            const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : raw;
            sent = mutate(text, salt, String.fromCharCode(32 + (salt % 90)), salt);
            if (sent === text) sent = `${text} `;
            break;
          }
          case 'twice':
            headers['x-hub-signature-256'] = [signBody(raw, SECRET), signBody(raw, SECRET)];
            break;
        }
        const res = await f.app.inject({ method: 'POST', url: '/webhook', payload: sent, headers });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect([200, 401, 413]).toContain(res.statusCode);
        const signed = how === 'valid' || how === 'uppercase-hex';
        const bytes = Buffer.from(sent);
        if (!signed) expect(res.statusCode).not.toBe(200);
        // A signed body is never refused for its content: only its size can keep it out.
        if (signed) expect(res.statusCode).toBe(bytes.length > LIMIT ? 413 : 200);
        if (res.statusCode === 200) {
          let json: unknown;
          try {
            json = JSON.parse(bytes.toString('utf8'));
          } catch {
            json = undefined;
          }
          const parts = json === undefined ? { events: [], fields: [], rejected: [{}] } : splitWebhook(json, f.shards);
          for (const e of parts.events) accepted.add(e.id);
          for (const field of parts.fields) accepted.add(field.id);
          if (parts.rejected.length > 0) accepted.add(quarantineId(bytes));
        }
      }),
      { numRuns: RUNS },
    );

    expect((await f.app.inject('/healthz')).statusCode).toBe(200);
    const stored = (await ids()).filter((id) => !before.has(id));
    // Every stored record came from a properly signed request answered 200, and every part of those was stored.
    expect(new Set(stored)).toEqual(accepted);
    expect(stored).toHaveLength(accepted.size);
    // The mix really exercised every answer, and quarantine as well as the streams.
    for (const status of [200, 401, 413]) expect(seen.get(status), `status ${status}`).toBeGreaterThan(20);
    expect(stored.filter((id) => id.startsWith('q-')).length).toBeGreaterThan(20);
    expect(stored.filter((id) => id.startsWith('field-')).length).toBeGreaterThan(20);
  });
});
