import { describe, expect, it } from 'vitest';
import { applyMessage, conversationOf, joinConversations } from './conversation.ts';
import { foldMessages } from './fold.ts';
import { messageEnv } from './test-support.ts';
import type { ConversationDoc, Envelope, MessageEvent } from './types.ts';

function applyAll(envelopes: Envelope<MessageEvent>[]) {
  let doc: ConversationDoc | null = null;
  const results = [];
  for (const envelope of envelopes) {
    const result = applyMessage(doc, envelope);
    doc = result.doc;
    results.push(result);
  }
  return { doc: doc!, outcomes: results.map((r) => r.outcome), results };
}

describe('conversation - applyMessage', () => {
  it('creates the conversation from its first message', () => {
    const env = messageEnv({ wamid: 'wamid.A', ts: 100, contactName: 'Ana', region: 'us', traceparent: 'tp' });
    const { doc, outcome } = applyMessage(null, env);
    expect(outcome).toBe('applied');
    expect(doc).toEqual({
      phoneNumberId: env.event.phoneNumberId,
      userKey: '16505551234',
      ids: { waId: ['16505551234'], userId: [], parentUserId: [], username: [] },
      ambiguous: false,
      last: { eventId: env.event.id, timestamp: 100, region: 'us', traceparent: 'tp', wamid: 'wamid.A', type: 'text', contactName: 'Ana' },
    });
  });

  it('applies a newer message and calls a re-delivered last message a duplicate', () => {
    const a = messageEnv({ wamid: 'wamid.A', ts: 100 });
    const b = messageEnv({ wamid: 'wamid.B', ts: 101 });
    const { doc, outcomes } = applyAll([a, b, b]);
    expect(outcomes).toEqual(['applied', 'applied', 'duplicate']);
    expect(doc.last.wamid).toBe('wamid.B');
    expect(doc.ambiguous).toBe(false);
  });

  it('marks a strictly older message stale, beaten by the last one', () => {
    const newer = messageEnv({ wamid: 'wamid.N', ts: 200, region: 'us' });
    const older = messageEnv({ wamid: 'wamid.O', ts: 170 });
    const { results, doc } = applyAll([newer, older]);
    expect(results[1]!.outcome).toBe('stale');
    expect(results[1]!.beatenBy).toEqual({ eventId: newer.event.id, timestamp: 200, region: 'us', bySeconds: 30 });
    expect(doc.last.wamid).toBe('wamid.N');
  });

  it('keeps the ambiguous flag of the newer second only', () => {
    const { doc } = applyAll([
      messageEnv({ wamid: 'wamid.A', ts: 100 }),
      messageEnv({ wamid: 'wamid.B', ts: 100 }),
      messageEnv({ wamid: 'wamid.C', ts: 101 }),
    ]);
    expect(doc.last.wamid).toBe('wamid.C');
    expect(doc.ambiguous).toBe(false);
  });
});

describe('conversation - seeds', () => {
  it('name-then-email applied inverted leaves the conversation at the email', () => {
    const name = messageEnv({ wamid: 'wamid.NAME', ts: 1_739_321_024 });
    const email = messageEnv({ wamid: 'wamid.EMAIL', ts: 1_739_321_041 });
    const { doc, outcomes } = applyAll([email, name]);
    expect(outcomes).toEqual(['applied', 'stale']);
    expect(doc.last.wamid).toBe('wamid.EMAIL');
    expect(doc).toEqual(applyAll([name, email]).doc);
  });

  it('same-second messages are both kept (neither stale, ambiguous flagged)', () => {
    const m1 = messageEnv({ wamid: 'wamid.HBgL1', ts: 1000 });
    const m2 = messageEnv({ wamid: 'wamid.HBgL2', ts: 1000 });
    for (const order of [
      [m1, m2],
      [m2, m1],
    ]) {
      const { doc, outcomes } = applyAll(order);
      expect(outcomes).not.toContain('stale');
      expect(outcomes[0]).toBe('applied');
      expect(doc.ambiguous).toBe(true);
      expect(doc.last.wamid).toBe('wamid.HBgL2');
    }
    expect(applyAll([m1, m2]).outcomes).toEqual(['applied', 'applied']);
    expect(applyAll([m2, m1]).outcomes).toEqual(['applied', 'merged']);
  });
});

describe('conversation - foldMessages', () => {
  it('classifies in order against the before-image and returns the batch join', () => {
    const before = conversationOf(messageEnv({ wamid: 'wamid.B', ts: 100 }));
    const batch = [
      messageEnv({ wamid: 'wamid.A', ts: 99 }),
      messageEnv({ wamid: 'wamid.C', ts: 100 }),
      messageEnv({ wamid: 'wamid.D', ts: 105 }),
    ];
    const folded = foldMessages(before, batch);
    expect(folded.outcomes.map((o) => o.outcome)).toEqual(['stale', 'applied', 'applied']);
    expect(folded.after).toEqual(joinConversations(before, folded.delta!));
    expect(folded.after!.last.wamid).toBe('wamid.D');
  });
});
