import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhook } from './parse.ts';

const text = () =>
  JSON.parse(readFileSync(new URL('../../../test/fixtures/webhooks/message-text.json', import.meta.url), 'utf8'));

describe('parse - parseWebhook', () => {
  it('accepts a documented webhook and keeps unknown fields', () => {
    const body = text();
    body.entry[0].time = 1739321024;
    body.entry[0].changes[0].value.messages[0].brand_new = { x: 1 };
    const result = parseWebhook(body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.webhook.entry[0]!.time).toBe(1739321024);
    const value = result.webhook.entry[0]!.changes[0]!.value as { messages: Record<string, unknown>[] };
    expect(value.messages[0]!.brand_new).toEqual({ x: 1 });
  });

  it('names the path of a wrong field', () => {
    const body = text();
    body.entry[0].changes[0].value.messages[0].timestamp = 'yesterday';
    expect(parseWebhook(body)).toEqual({
      ok: false,
      error: expect.stringMatching(/^entry\.0\.changes\.0\.value\.messages\.0\.timestamp: /),
    });
  });

  it('names a missing required field', () => {
    const body = text();
    delete body.entry[0].changes[0].value.metadata.phone_number_id;
    const result = parseWebhook(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('entry.0.changes.0.value.metadata.phone_number_id');
  });

  it('rejects what is not a webhook at all', () => {
    for (const body of [null, 'x', [], {}, { object: 'whatsapp_business_account' }]) {
      const result = parseWebhook(body);
      expect(result.ok).toBe(false);
    }
    const result = parseWebhook({ object: 'whatsapp_business_account', entry: 'x' });
    expect(result.ok ? '' : result.error).toMatch(/^entry: /);
  });

  it('rejects a status that is not a word (it becomes a document key)', () => {
    for (const status of ['__proto__', 'a.b', '$set', '']) {
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '1', phone_number_id: '2' },
                  statuses: [{ id: 'wamid.A', status, timestamp: '1', recipient_id: '3' }],
                },
              },
            ],
          },
        ],
      };
      expect(parseWebhook(body).ok).toBe(false);
    }
  });

  it('does not validate the value of changes it will skip', () => {
    const result = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'account_update', value: { anything: true } }] }],
    });
    expect(result.ok).toBe(true);
  });

  it('accepts integer timestamps from providers that send numbers', () => {
    const body = text();
    body.entry[0].changes[0].value.messages[0].timestamp = 1739321024;
    expect(parseWebhook(body).ok).toBe(true);
  });
});
