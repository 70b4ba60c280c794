import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationKey, eventIdOfTimelineKey, keyToken, messageKey, timelineKey, tokenValue } from './keys.ts';

const VALID_KEY = /^[-/_=.a-zA-Z0-9]+$/;

describe('kv keys', () => {
  it('keys - any id (wamids hold + / =, anything else too) becomes one valid token and comes back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        const token = keyToken(id);
        expect(token).toMatch(/^[-_a-zA-Z0-9]+$/);
        expect(tokenValue(token)).toBe(id);
        expect(messageKey(id)).toMatch(VALID_KEY);
      }),
      { numRuns: 150 },
    );
  });

  it('keys - distinct (number, wa_id) pairs never share a conversation key', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (p1, w1, p2, w2) => {
        fc.pre(p1 !== p2 || w1 !== w2);
        expect(conversationKey(p1, w1)).not.toBe(conversationKey(p2, w2));
      }),
      { numRuns: 150 },
    );
  });

  it('keys - a timeline marker names its event id', () => {
    const key = timelineKey('wamid.HBgL+/=', 'status-0a1b');
    expect(key).toMatch(VALID_KEY);
    expect(eventIdOfTimelineKey(key)).toBe('status-0a1b');
  });
});
