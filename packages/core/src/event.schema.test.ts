import { describe, expect, it } from 'vitest';
import { waEventSchema } from './event.schema.ts';
import { messageEnv, statusEnv } from './test-support.ts';

describe('event schema - waEventSchema', () => {
  const status = statusEnv({ status: 'read', ts: 100, extra: { pricing: { billable: true } } }).event;
  const message = messageEnv({ wamid: 'wamid.A', ts: 100, contactName: 'Ana' }).event;

  it('accepts the events normalize produces, after a JSON round trip', () => {
    for (const event of [status, message]) {
      const parsed = waEventSchema.safeParse(JSON.parse(JSON.stringify(event)));
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(event);
    }
  });

  it('rejects payloads that are not events', () => {
    const bad: unknown[] = [
      null,
      {},
      { ...status, kind: 'other' },
      { ...status, id: 'not-an-id' },
      { ...status, timestamp: '100' },
      { ...status, shard: -1 },
      { ...status, status: '__proto__' },
      { ...message, message: 'text' },
      { ...message, userKey: undefined },
    ];
    for (const payload of bad) expect(waEventSchema.safeParse(payload).success).toBe(false);
  });
});
