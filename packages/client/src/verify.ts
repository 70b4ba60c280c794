// Standard Webhooks signatures for the relay's deliveries: the `standardwebhooks` package
// makes each signature (secret decoding, `id.timestamp.body`, HMAC-SHA256, base64). Its own
// verify takes one secret and a fixed 5-minute window against the wall clock; receivers
// here need several secrets during a rotation and a window they choose, so the header
// checks and the constant-time comparison are ours.
import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { type FeedEntry, feedEntrySchema } from './entry.ts';

export const DEFAULT_TOLERANCE_S = 300;

export type WebhookErrorCode = 'E_WEBHOOK_HEADERS' | 'E_WEBHOOK_TIMESTAMP' | 'E_WEBHOOK_SIGNATURE' | 'E_WEBHOOK_BODY';

/** Why a delivery was refused; answer 4xx (401 for the signature and timestamp). */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  readonly code: WebhookErrorCode;
  constructor(code: WebhookErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** Accepted distance between `webhook-timestamp` and now, seconds (default 300). */
  toleranceS?: number;
  /** Now, unix ms (tests; default Date.now()). */
  now?: number;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(' ') : v;
  }
  return undefined;
}

export type WebhookSigner = (id: string, timestampS: number, body: string) => string;

/**
 * A signer making the `webhook-signature` value: one `v1,<base64>` per secret (all of them
 * during a rotation). The secrets (`whsec_<base64>`) are decoded once, here.
 */
export function webhookSigner(secrets: readonly string[]): WebhookSigner {
  const keys = secrets.map((s) => new Webhook(s));
  return (id, timestampS, body) => {
    const at = new Date(timestampS * 1000);
    return keys.map((k) => k.sign(id, at, body)).join(' ');
  };
}

/** Checks a delivery's headers against the body; throws WebhookVerificationError, else returns the raw JSON. */
export function verifySignature(headers: HeaderBag, body: string | Buffer, secrets: readonly string[], opts: VerifyOptions = {}): unknown {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  if (!id || !ts || !sig) throw new WebhookVerificationError('E_WEBHOOK_HEADERS', 'missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d+$/.test(ts)) throw new WebhookVerificationError('E_WEBHOOK_HEADERS', 'webhook-timestamp is not a unix time');
  const timestampS = Number(ts);
  const nowS = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(nowS - timestampS) > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) {
    throw new WebhookVerificationError('E_WEBHOOK_TIMESTAMP', 'webhook-timestamp outside the tolerance window');
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const offered = sig
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3)));
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(webhookSigner([secret])(id, timestampS, text).slice(3));
    return offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected));
  });
  if (!matches) throw new WebhookVerificationError('E_WEBHOOK_SIGNATURE', 'no webhook-signature matches a secret');
  try {
    return JSON.parse(text);
  } catch {
    throw new WebhookVerificationError('E_WEBHOOK_BODY', 'body is not JSON');
  }
}

/**
 * Verifies a relay delivery (Standard Webhooks) and parses its feed entry. `body` must be
 * the raw bytes received: a body parsed and re-serialised no longer matches its signature.
 */
export function verifyWebhook(headers: HeaderBag, body: string | Buffer, secrets: readonly string[], opts: VerifyOptions = {}): FeedEntry {
  const json = verifySignature(headers, body, secrets, opts);
  const parsed = feedEntrySchema.safeParse(json);
  if (!parsed.success) throw new WebhookVerificationError('E_WEBHOOK_BODY', `not a feed entry: ${parsed.error.issues[0]?.message ?? ''}`);
  if (parsed.data.id !== header(headers, 'webhook-id')) {
    throw new WebhookVerificationError('E_WEBHOOK_BODY', 'entry id differs from webhook-id');
  }
  return parsed.data;
}
