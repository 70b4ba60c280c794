import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waEventSchema } from './event.schema.ts';
import { shardOf } from './names.ts';
import { splitWebhook } from './split.ts';
import type { MessageEvent, StatusEvent, WaEvent } from './types.ts';

const DIR = new URL('../../../test/fixtures/webhooks/', import.meta.url);
const SHARDS = 16;

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8'));
}

/** Events and field events of a body that must have no rejected part. */
function normalize(body: unknown, shards: number) {
  const split = splitWebhook(body, shards);
  expect(split.rejected).toEqual([]);
  return { events: split.events, fields: split.fields };
}

/** What each fixture must yield: `type` for messages, `status` for statuses, in order. */
const EXPECTED: Record<string, { events: string[]; fields: number }> = {
  'message-text.json': { events: ['msg:text'], fields: 0 },
  'message-text-reply.json': { events: ['msg:text'], fields: 0 },
  'message-image.json': { events: ['msg:image'], fields: 0 },
  'message-audio.json': { events: ['msg:audio'], fields: 0 },
  'message-video.json': { events: ['msg:video'], fields: 0 },
  'message-document.json': { events: ['msg:document'], fields: 0 },
  'message-sticker.json': { events: ['msg:sticker'], fields: 0 },
  'message-location.json': { events: ['msg:location'], fields: 0 },
  'message-location-no-type.json': { events: ['msg:location'], fields: 0 },
  'message-contacts.json': { events: ['msg:contacts'], fields: 0 },
  'message-interactive-button-reply.json': { events: ['msg:interactive'], fields: 0 },
  'message-interactive-list-reply.json': { events: ['msg:interactive'], fields: 0 },
  'message-interactive-nfm-reply.json': { events: ['msg:interactive'], fields: 0 },
  'message-button.json': { events: ['msg:button'], fields: 0 },
  'message-reaction.json': { events: ['msg:reaction'], fields: 0 },
  'message-order.json': { events: ['msg:order'], fields: 0 },
  'message-system.json': { events: ['msg:system'], fields: 0 },
  'message-request-welcome.json': { events: ['msg:request_welcome'], fields: 0 },
  'message-unsupported.json': { events: ['msg:unsupported'], fields: 0 },
  'message-unknown-type.json': { events: ['msg:hologram'], fields: 0 },
  'message-referral.json': { events: ['msg:text'], fields: 0 },
  'status-sent.json': { events: ['status:sent'], fields: 0 },
  'status-delivered.json': { events: ['status:delivered'], fields: 0 },
  'status-read.json': { events: ['status:read'], fields: 0 },
  'status-played.json': { events: ['status:played'], fields: 0 },
  'status-failed.json': { events: ['status:failed'], fields: 0 },
  'status-unknown.json': { events: ['status:deleted'], fields: 0 },
  'status-group.json': { events: ['status:read'], fields: 0 },
  'batch-multi-entry.json': {
    events: ['msg:text', 'msg:text', 'status:delivered', 'status:read', 'status:sent', 'msg:reaction', 'status:failed'],
    fields: 1,
  },
  'field-template-status.json': { events: [], fields: 1 },
  'value-errors.json': { events: [], fields: 1 },
  'object-page.json': { events: [], fields: 1 },
};

const summary = (e: WaEvent) => (e.kind === 'msg' ? `msg:${e.type}` : `status:${e.status}`);

describe('split - fixtures', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('has an expectation for every fixture file', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`yields ${expected.events.join(', ') || 'no events'} from ${file}`, () => {
      const { events, fields } = normalize(fixture(file), SHARDS);
      expect(events.map(summary)).toEqual(expected.events);
      expect(fields).toHaveLength(expected.fields);
      for (const event of events) {
        expect(waEventSchema.safeParse(event).success).toBe(true);
        expect(event.shard).toBe(shardOf(event.key, SHARDS));
        expect(event.key).toBe(event.kind === 'msg' ? (event as MessageEvent).userKey : event.wamid);
        expect(Number.isInteger(event.timestamp)).toBe(true);
      }
    });
  }
});

describe('split - fields', () => {
  it('fills a message event from the message and its contact', () => {
    const [event] = normalize(fixture('message-text.json'), SHARDS).events as MessageEvent[];
    expect(event).toMatchObject({
      kind: 'msg',
      key: '16505551234',
      userKey: '16505551234',
      user: { waId: '16505551234' },
      phoneNumberId: '106540352242922',
      wabaId: '102290129340398',
      timestamp: 1739321024,
      type: 'text',
      contactName: 'Sheena Nelson',
    });
    expect(event!.wamid).toMatch(/^wamid\./);
    expect(event!.contextWamid).toBeUndefined();
    expect((event!.message.text as { body: string }).body).toContain('😀');
  });

  it('records the replied-to wamid of a reply', () => {
    const [event] = normalize(fixture('message-text-reply.json'), SHARDS).events as MessageEvent[];
    expect(event!.contextWamid).toBe('wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzOUTBOUND00000000000000001AA=');
  });

  it('keeps unknown fields of an unknown message type', () => {
    const [event] = normalize(fixture('message-unknown-type.json'), SHARDS).events as MessageEvent[];
    expect(event!.message).toMatchObject({ hologram: { id: '77', depth: 3 }, new_top_level_field: { kept: true } });
  });

  it('keeps the errors of an unsupported message in the message record', () => {
    const [event] = normalize(fixture('message-unsupported.json'), SHARDS).events as MessageEvent[];
    expect(event!.message.errors).toEqual([expect.objectContaining({ code: 131051 })]);
  });

  it('carries conversation, pricing and callback data of a status', () => {
    const [event] = normalize(fixture('status-sent.json'), SHARDS).events as StatusEvent[];
    expect(event).toMatchObject({
      kind: 'status',
      status: 'sent',
      recipientId: '16505551234',
      timestamp: 1739321024,
      conversation: { id: 'a75d17ad06104c51166f948319b03c6a', origin: { type: 'utility' } },
      pricing: { billable: true, pricing_model: 'PMP', category: 'utility' },
      bizOpaqueCallbackData: 'order-42',
    });
    expect(event!.key).toBe(event!.wamid);
  });

  it('carries the errors of a failed status', () => {
    const [event] = normalize(fixture('status-failed.json'), SHARDS).events as StatusEvent[];
    expect(event!.errors).toEqual([expect.objectContaining({ code: 131050 })]);
  });

  it('reads every entry and change of a batch, each with its own business number', () => {
    const { events, fields } = normalize(fixture('batch-multi-entry.json'), SHARDS);
    expect(events.map((e) => [e.wabaId, e.phoneNumberId])).toEqual([
      ...Array(5).fill(['102290129340398', '106540352242922']),
      ['987654321098765', '223344556677889'],
      ['987654321098765', '223344556677889'],
    ]);
    const [first, second] = events as MessageEvent[];
    expect([first!.contactName, second!.contactName]).toEqual(['Sheena Nelson', 'Lee Jen Ling']);
    expect(fields).toEqual([
      expect.objectContaining({ kind: 'field', object: 'whatsapp_business_account', field: 'account_update', path: 'entry.0.changes.2' }),
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('keeps other objects and value.errors as field events, value as sent', () => {
    const [page] = normalize(fixture('object-page.json'), SHARDS).fields;
    expect(page).toMatchObject({ object: 'page', kind: 'field' });
    const [errors] = normalize(fixture('value-errors.json'), SHARDS).fields;
    expect(errors).toMatchObject({ field: 'messages', phoneNumberId: expect.any(String) });
    expect(JSON.stringify(errors!.value)).toContain('131000');
  });
});

describe('split - event ids', () => {
  it('gives a re-sent webhook the same ids', () => {
    const a = normalize(fixture('batch-multi-entry.json'), SHARDS).events.map((e) => e.id);
    const b = normalize(fixture('batch-multi-entry.json'), SHARDS).events.map((e) => e.id);
    expect(a).toEqual(b);
  });

  it('makes ids safe as NATS KV keys and Nats-Msg-Id', () => {
    for (const event of normalize(fixture('batch-multi-entry.json'), SHARDS).events) {
      expect(event.id).toMatch(/^(msg|status)-[0-9a-f]{32}$/);
    }
  });

  it('distinguishes statuses of one wamid by status, timestamp and recipient', () => {
    const ids = (['status-sent.json', 'status-delivered.json', 'status-read.json', 'status-unknown.json'] as const).map(
      (f) => normalize(fixture(f), SHARDS).events[0]!.id,
    );
    expect(new Set(ids).size).toBe(4);
  });

  it('does not depend on the shard count', () => {
    const a = normalize(fixture('message-text.json'), 16).events[0]!;
    const b = normalize(fixture('message-text.json'), 5).events[0]!;
    expect(a.id).toBe(b.id);
  });
});

describe('split - contact names', () => {
  const change = (contacts: unknown[], froms: string[]) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'W',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '1', phone_number_id: 'P' },
              contacts,
              messages: froms.map((from, i) => ({ from, id: `wamid.${i}`, timestamp: '1', type: 'text', text: { body: 'x' } })),
            },
          },
        ],
      },
    ],
  });
  const names = (body: unknown) => {
    return (normalize(body, 4).events as MessageEvent[]).map((e) => e.contactName);
  };

  it('takes a lone contact whose wa_id differs from `from` as the sole sender', () => {
    expect(names(change([{ wa_id: '5511988887777', profile: { name: 'Ana' } }], ['551188887777']))).toEqual(['Ana']);
  });

  it('gives no name to a sender without a contact when several senders share the change', () => {
    expect(names(change([{ wa_id: 'a', profile: { name: 'Ana' } }], ['a', 'b']))).toEqual(['Ana', undefined]);
  });
});
