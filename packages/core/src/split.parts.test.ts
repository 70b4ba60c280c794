import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitWebhook } from './split.ts';
import type { MessageEvent, StatusEvent } from './types.ts';

const text = () =>
  JSON.parse(readFileSync(new URL('../../../test/fixtures/webhooks/message-text.json', import.meta.url), 'utf8'));

const messagesChange = (value: Record<string, unknown>) => ({ field: 'messages', value });
const body = (...changes: unknown[]) => ({ object: 'whatsapp_business_account', entry: [{ id: 'W', changes }] });
const metadata = { display_phone_number: '1', phone_number_id: 'P' };

describe('split - every part on its own', () => {
  it('keeps unknown fields of the body as sent', () => {
    const b = text();
    b.entry[0].changes[0].value.messages[0].brand_new = { x: 1 };
    const [event] = splitWebhook(b, 16).events as MessageEvent[];
    expect(event!.message.brand_new).toEqual({ x: 1 });
  });

  it('rejects only the part whose timestamp is wrong, naming its path', () => {
    const b = text();
    const good = b.entry[0].changes[0].value.messages[0];
    b.entry[0].changes[0].value.messages.push({ ...good, id: 'wamid.bad', timestamp: 'yesterday' });
    const split = splitWebhook(b, 16);
    expect(split.events.map((e) => e.wamid)).toEqual([good.id]);
    expect(split.rejected).toEqual([
      { path: 'entry.0.changes.0.value.messages.1', reason: expect.stringMatching(/^timestamp: /) },
    ]);
  });

  it('keeps type drift in fields sequencing does not need (latitude as a string, numbers for strings)', () => {
    const split = splitWebhook(
      body(
        messagesChange({
          metadata,
          messages: [
            { from: 5511999990001, id: 'wamid.L', timestamp: 1739321024, location: { latitude: '-23.5', longitude: 'x' } },
          ],
          statuses: [{ id: 'wamid.S', status: 'sent', timestamp: '5', recipient_id: 5511999990001, pricing: 'weird' }],
        }),
      ),
      16,
    );
    expect(split.rejected).toEqual([]);
    const [m, s] = split.events as [MessageEvent, StatusEvent];
    expect(m).toMatchObject({ userKey: '5511999990001', type: 'location', timestamp: 1739321024 });
    expect(m.message.location).toEqual({ latitude: '-23.5', longitude: 'x' });
    expect(s).toMatchObject({ recipientId: '5511999990001', payload: { pricing: 'weird' } });
    expect(s.pricing).toBeUndefined();
  });

  it('loses none of 18 changes when one lacks display_phone_number, and quarantines only what lacks phone_number_id', () => {
    const changes = Array.from({ length: 18 }, (_, i) =>
      messagesChange({
        metadata: i === 3 ? { phone_number_id: 'P' } : i === 7 ? { display_phone_number: '1' } : metadata,
        messages: [{ from: 'u', id: `wamid.${i}`, timestamp: '1', type: 'text', text: { body: 'x' } }],
      }),
    );
    const split = splitWebhook(body(...changes), 16);
    expect(split.events).toHaveLength(17);
    expect(split.rejected).toEqual([
      { path: 'entry.0.changes.7.value.messages.0', reason: expect.stringContaining('phone_number_id') },
    ]);
  });

  it('turns what is not a webhook into one rejected part, never an exception', () => {
    for (const b of [null, 'x', [], {}, { object: 'whatsapp_business_account' }, 7]) {
      const split = splitWebhook(b, 16);
      expect(split.events).toEqual([]);
      expect(split.rejected).toHaveLength(1);
    }
    expect(splitWebhook({ object: 'whatsapp_business_account', entry: 'x' }, 16).rejected).toEqual([
      { path: 'entry', reason: expect.any(String) },
    ]);
  });

  it('rejects a status that is not a word (it becomes a document key), and only that status', () => {
    for (const status of ['__proto__', 'a.b', '$set', '', 5]) {
      const split = splitWebhook(
        body(
          messagesChange({
            metadata,
            statuses: [
              { id: 'wamid.A', status, timestamp: '1', recipient_id: '3' },
              { id: 'wamid.B', status: 'read', timestamp: '1', recipient_id: '3' },
            ],
          }),
        ),
        16,
      );
      expect(split.events.map((e) => e.wamid)).toEqual(['wamid.B']);
      expect(split.rejected.map((r) => r.path)).toEqual(['entry.0.changes.0.value.statuses.0']);
    }
  });

  it('makes a field event of every other field and object, whatever its value', () => {
    const split = splitWebhook(
      {
        object: 'whatsapp_business_account',
        entry: [
          { id: '1', time: 5, changes: [{ field: 'account_update', value: { anything: true } }, { field: 'brand_new_field' }] },
        ],
      },
      16,
    );
    expect(split.fields).toEqual([
      expect.objectContaining({ field: 'account_update', wabaId: '1', time: 5, value: { anything: true }, path: 'entry.0.changes.0' }),
      expect.objectContaining({ field: 'brand_new_field', value: undefined, path: 'entry.0.changes.1' }),
    ]);
    expect(new Set(split.fields.map((f) => f.id)).size).toBe(2);
    expect(split.fields[0]!.id).toMatch(/^field-[0-9a-f]{32}$/);
  });

  it('gives a re-sent field the same id and a different value another', () => {
    const of = (v: unknown) =>
      splitWebhook({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'calls', value: v }] }] }, 16)
        .fields[0]!.id;
    expect(of({ a: 1 })).toBe(of({ a: 1 }));
    expect(of({ a: 1 })).not.toBe(of({ a: 2 }));
  });

  it('rejects a message with no sender at all', () => {
    const split = splitWebhook(body(messagesChange({ metadata, messages: [{ id: 'wamid.N', timestamp: '1' }] })), 16);
    expect(split.rejected).toEqual([{ path: 'entry.0.changes.0.value.messages.0', reason: expect.stringContaining('no sender') }]);
  });
});

describe('split - business-scoped user ids', () => {
  it('keys a username user (no wa_id, no from: sender only in contacts) by the BSUID', () => {
    const split = splitWebhook(
      body(
        messagesChange({
          metadata,
          contacts: [{ profile: { name: 'Julian', username: 'julianzlc' }, user_id: 'CO.1047385771169864' }],
          messages: [{ id: 'wamid.U', timestamp: '1784232425', type: 'text', text: { body: 'Hello' } }],
        }),
      ),
      16,
    );
    expect(split.rejected).toEqual([]);
    const [m] = split.events as MessageEvent[];
    expect(m).toMatchObject({
      key: 'CO.1047385771169864',
      userKey: 'CO.1047385771169864',
      user: { userId: 'CO.1047385771169864', username: 'julianzlc' },
      contactName: 'Julian',
    });
    expect(m!.user.waId).toBeUndefined();
  });

  it('keys a user with both wa_id and BSUID by the BSUID and keeps every identifier', () => {
    const [m] = splitWebhook(
      body(
        messagesChange({
          metadata,
          contacts: [{ wa_id: '16315551181', user_id: 'US.1', parent_user_id: 'US.P', profile: { name: 'A' } }],
          messages: [{ from: '16315551181', from_user_id: 'US.1', id: 'wamid.B', timestamp: '1', type: 'text' }],
        }),
      ),
      16,
    ).events as MessageEvent[];
    expect(m).toMatchObject({ userKey: 'US.1', user: { waId: '16315551181', userId: 'US.1', parentUserId: 'US.P' } });
  });

  it('accepts a status with only recipient_user_id', () => {
    const [s] = splitWebhook(
      body(messagesChange({ metadata, statuses: [{ id: 'wamid.S', status: 'read', timestamp: '2', recipient_user_id: 'US.1' }] })),
      16,
    ).events as StatusEvent[];
    expect(s).toMatchObject({ recipientUserId: 'US.1', key: 'wamid.S' });
    expect(s!.recipientId).toBeUndefined();
  });
});
