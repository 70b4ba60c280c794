import { describe, expect, it } from 'vitest';
import { buildWebhook, webhookEvents } from './build.ts';
import { splitWebhook } from './split.ts';
import { signBody, verifySignature } from './signature.ts';
import type { MessageEvent, StatusEvent } from './types.ts';

describe('build - buildWebhook', () => {
  const body = buildWebhook([
    {
      wabaId: 'W1',
      changes: [
        {
          phoneNumberId: 'P1',
          messages: [
            { from: '5511999990001', id: 'wamid.M1', timestamp: 1000, name: 'Ana', text: 'olá @ 😀' },
            { from: '5511999990001', id: 'wamid.M2', timestamp: 1001, replyTo: 'wamid.OUT' },
            {
              from: '5511999990002',
              id: 'wamid.M3',
              timestamp: 1002,
              type: 'image',
              fields: { image: { id: 'media-1', mime_type: 'image/jpeg' } },
            },
          ],
        },
        {
          phoneNumberId: 'P1',
          statuses: [
            {
              id: 'wamid.OUT',
              status: 'failed',
              timestamp: 1003,
              recipientId: '5511999990001',
              errors: [{ code: 131026, title: 'Message undeliverable' }],
              pricing: { billable: false },
            },
          ],
        },
      ],
    },
    { wabaId: 'W2', changes: [{ phoneNumberId: 'P2', statuses: [{ id: 'wamid.X', status: 'read', timestamp: 5, recipientId: 'u' }] }] },
  ]);

  it('produces a body that survives JSON, validates and normalizes to the events it describes', () => {
    const { events, fields, rejected } = splitWebhook(JSON.parse(JSON.stringify(body)), 16);
    expect(rejected).toEqual([]);
    expect(fields).toEqual([]);
    expect(events.map((e) => [e.wabaId, e.phoneNumberId, e.wamid])).toEqual([
      ['W1', 'P1', 'wamid.M1'],
      ['W1', 'P1', 'wamid.M2'],
      ['W1', 'P1', 'wamid.M3'],
      ['W1', 'P1', 'wamid.OUT'],
      ['W2', 'P2', 'wamid.X'],
    ]);
    const [m1, m2, m3, failed] = events as [MessageEvent, MessageEvent, MessageEvent, StatusEvent];
    expect(m1).toMatchObject({ type: 'text', contactName: 'Ana', timestamp: 1000, message: { text: { body: 'olá @ 😀' } } });
    expect(m2.contextWamid).toBe('wamid.OUT');
    expect(m3).toMatchObject({ type: 'image', message: { image: { id: 'media-1' } } });
    expect(m3.contactName).toBeUndefined();
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 131026 }], pricing: { billable: false } });
  });

  it('writes timestamps as strings of Unix seconds, as Meta does', () => {
    const value = body.entry[0]!.changes[0]!.value as { messages: { timestamp: unknown }[] };
    expect(value.messages[0]!.timestamp).toBe('1000');
  });

  it('signs its serialized bytes for the ingress to verify', () => {
    const raw = Buffer.from(JSON.stringify(body), 'utf8');
    expect(verifySignature(raw, signBody(raw, 's'), ['s'])).toEqual({ ok: true });
  });
});

describe('build - webhookEvents', () => {
  it('gives the events the ingress makes of the built body, on the shard count asked for', () => {
    const spec = [
      { wabaId: 'W', changes: [{ phoneNumberId: 'P', statuses: [{ id: 'wamid.S', status: 'sent', timestamp: 7, recipientId: 'u' }] }] },
    ];
    expect(webhookEvents(spec, 4)).toEqual(splitWebhook(JSON.parse(JSON.stringify(buildWebhook(spec))), 4).events);
  });

  it('a spec the schema rejects throws CoreError E_SPEC naming the path', () => {
    const bad = [{ wabaId: 'W', changes: [{ phoneNumberId: 'P', messages: [{ from: 'u', id: '', timestamp: 1 }] }] }];
    expect(() => webhookEvents(bad, 4)).toThrow(
      expect.objectContaining({ name: 'CoreError', code: 'E_SPEC', message: expect.stringContaining('messages.0: id') }),
    );
  });
});
