import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './signature.ts';

const SECRET = 'app-secret-1';
// Raw bytes as Meta sends them: `\u00e9` stays escaped, `/` escaped, `@` and emoji as UTF-8.
const RAW = Buffer.from(
  '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":' +
    '{"text":"caf\\u00e9 @ 10:00 \u{1F600} http:\\/\\/x"}}]}]}',
  'utf8',
);

describe('signature - verifySignature', () => {
  it('accepts the HMAC-SHA256 of the raw bytes', () => {
    const header = `sha256=${createHmac('sha256', SECRET).update(RAW).digest('hex')}`;
    expect(signBody(RAW, SECRET)).toBe(header);
    expect(verifySignature(RAW, header, [SECRET])).toEqual({ ok: true });
  });

  it('accepts an upper-case hex digest and surrounding whitespace', () => {
    const header = signBody(RAW, SECRET);
    expect(verifySignature(RAW, ` sha256=${header.slice(7).toUpperCase()} `, [SECRET]).ok).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifySignature(RAW, signBody(RAW, 'other'), [SECRET])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a tampered body', () => {
    const header = signBody(RAW, SECRET);
    const tampered = Buffer.from(RAW.toString('utf8').replace('10:00', '11:00'), 'utf8');
    expect(verifySignature(tampered, header, [SECRET])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('fails when the body was re-stringified from parsed JSON (escapes, emoji, @)', () => {
    const header = signBody(RAW, SECRET);
    const restringified = Buffer.from(JSON.stringify(JSON.parse(RAW.toString('utf8'))), 'utf8');
    expect(restringified.equals(RAW)).toBe(false);
    expect(verifySignature(restringified, header, [SECRET]).ok).toBe(false);
    expect(verifySignature(RAW, header, [SECRET]).ok).toBe(true);
  });

  it('signs a string the same as its UTF-8 bytes', () => {
    const text = '{"a":"é @ 😀"}';
    expect(signBody(text, SECRET)).toBe(signBody(Buffer.from(text, 'utf8'), SECRET));
    expect(verifySignature(Buffer.from(text, 'utf8'), signBody(text, SECRET), [SECRET]).ok).toBe(true);
  });

  it('reports a missing header', () => {
    expect(verifySignature(RAW, undefined, [SECRET])).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(RAW, '', [SECRET])).toEqual({ ok: false, reason: 'missing' });
  });

  it('reports a malformed header', () => {
    const hex = signBody(RAW, SECRET).slice(7);
    for (const header of [hex, `sha1=${hex}`, `sha256=${hex.slice(1)}`, `sha256=${hex}00`, `sha256=${'z'.repeat(64)}`]) {
      expect(verifySignature(RAW, header, [SECRET])).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('accepts any of the rotated secrets and none outside them', () => {
    const header = signBody(RAW, 'new-secret');
    expect(verifySignature(RAW, header, ['old-secret', 'new-secret']).ok).toBe(true);
    expect(verifySignature(RAW, signBody(RAW, 'old-secret'), ['old-secret', 'new-secret']).ok).toBe(true);
    expect(verifySignature(RAW, header, ['old-secret']).ok).toBe(false);
    expect(verifySignature(RAW, header, [])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('never accepts an empty secret', () => {
    expect(verifySignature(RAW, signBody(RAW, ''), ['']).ok).toBe(false);
  });
});
