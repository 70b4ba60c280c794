// X-Hub-Signature-256: HMAC-SHA256 of the raw request bytes with the app secret. Always
// the raw bytes: re-stringified JSON differs (escaped unicode, `/`, spacing) and fails.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** Accepts the body if any of `secrets` (several during a rotation) signed it; constant-time compare. */
export function verifySignature(
  rawBody: Uint8Array | string,
  header: string | undefined,
  secrets: readonly string[],
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const match = HEADER.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(match[1]!, 'hex');
  let ok = false;
  // Every secret is tried, so timing does not tell which one matched.
  for (const secret of secrets) {
    if (!secret) continue;
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** The `X-Hub-Signature-256` header value Meta would send for this body. */
export function signBody(rawBody: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
