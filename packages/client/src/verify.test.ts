import { describe, expect, it } from 'vitest';
import type { FeedEntry } from './entry.ts';
import { verifySignature, verifyWebhook, WebhookVerificationError, webhookSigner } from './verify.ts';

// The published example of the standard-webhooks reference libraries ("sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const OLD = 'whsec_dGhlIG9sZCBrZXkgb2YgYSByb3RhdGlvbiAxMjM0';
const NEW = 'whsec_dGhlIG5ldyBrZXkgb2YgYSByb3RhdGlvbiA1Njc4';

const entry: FeedEntry = {
  id: 'e-1',
  kind: 'message.received',
  key: 'conv:1000:4917',
  seq: 1,
  region: 'eu',
  whatsappTime: 1_700_000_000,
  receivedAt: 1_700_000_000_100,
  committedAt: 1_700_000_000_200,
  event: { from: '4917', id: 'wamid.1', type: 'text', text: { body: 'hi' } },
};

function delivery(e: object, secrets: string[], at = Date.now()) {
  const body = JSON.stringify(e);
  const ts = Math.floor(at / 1000);
  const id = (e as { id: string }).id;
  return { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': webhookSigner(secrets)(id, ts, body) } };
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.code;
    throw err;
  }
  return undefined;
};

describe('client verify - Standard Webhooks', () => {
  it('signs the published example vector', () => {
    expect(webhookSigner([VECTOR.secret])(VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('accepts the published example vector at its own time, rejects it now (stale)', () => {
    const headers = { 'Webhook-Id': VECTOR.id, 'Webhook-Timestamp': String(VECTOR.timestamp), 'Webhook-Signature': VECTOR.signature };
    expect(verifySignature(headers, VECTOR.body, [VECTOR.secret], { now: VECTOR.timestamp * 1000 + 10_000 })).toEqual({ test: 2432232314 });
    expect(code(() => verifySignature(headers, VECTOR.body, [VECTOR.secret]))).toBe('E_WEBHOOK_TIMESTAMP');
  });

  it('parses a signed feed entry, from a Buffer and from fetch Headers too', () => {
    const d = delivery(entry, [NEW]);
    expect(verifyWebhook(d.headers, d.body, [NEW])).toEqual(entry);
    expect(verifyWebhook(new Headers(d.headers), Buffer.from(d.body), [NEW]).seq).toBe(1);
  });

  it('rejects a tampered body, a stale and a future timestamp, a wrong secret, missing headers', () => {
    const d = delivery(entry, [NEW]);
    expect(code(() => verifyWebhook(d.headers, d.body.replace('"seq":1', '"seq":2'), [NEW]))).toBe('E_WEBHOOK_SIGNATURE');
    expect(code(() => verifyWebhook(d.headers, d.body, [OLD]))).toBe('E_WEBHOOK_SIGNATURE');
    const stale = delivery(entry, [NEW], Date.now() - 301_000);
    expect(code(() => verifyWebhook(stale.headers, stale.body, [NEW]))).toBe('E_WEBHOOK_TIMESTAMP');
    expect(verifyWebhook(stale.headers, stale.body, [NEW], { toleranceS: 600 }).id).toBe('e-1');
    const future = delivery(entry, [NEW], Date.now() + 301_000);
    expect(code(() => verifyWebhook(future.headers, future.body, [NEW]))).toBe('E_WEBHOOK_TIMESTAMP');
    const { 'webhook-signature': _, ...unsigned } = d.headers;
    expect(code(() => verifyWebhook(unsigned, d.body, [NEW]))).toBe('E_WEBHOOK_HEADERS');
  });

  it('during a rotation, a delivery signed with both keys verifies with either', () => {
    const d = delivery(entry, [OLD, NEW]);
    expect(d.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(d.headers, d.body, [OLD]).id).toBe('e-1');
    expect(verifyWebhook(d.headers, d.body, [NEW]).id).toBe('e-1');
    const onlyNew = delivery(entry, [NEW]);
    expect(verifyWebhook(onlyNew.headers, onlyNew.body, [OLD, NEW]).id).toBe('e-1');
  });

  it('rejects a signed body that is not a feed entry, or whose id is not the webhook-id', () => {
    const bad = delivery({ ...entry, seq: 0 }, [NEW]);
    expect(code(() => verifyWebhook(bad.headers, bad.body, [NEW]))).toBe('E_WEBHOOK_BODY');
    const d = delivery(entry, [NEW]);
    const other = { ...d.headers, 'webhook-id': 'e-2', 'webhook-signature': webhookSigner([NEW])('e-2', Number(d.headers['webhook-timestamp']), d.body) };
    expect(code(() => verifyWebhook(other, d.body, [NEW]))).toBe('E_WEBHOOK_BODY');
  });

  it('keeps fields it does not know', () => {
    const d = delivery({ ...entry, extra: { a: 1 } }, [NEW]);
    expect(verifyWebhook(d.headers, d.body, [NEW])).toMatchObject({ extra: { a: 1 } });
  });
});
