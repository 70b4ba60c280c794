import { seededRandom, shuffled } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { buildScenario, type Scenario } from './scenario.ts';
import { compareMessage, expectedState } from './verify.ts';

const scenario = buildScenario({ seed: 9, conversations: 6, webhooks: 150, startSeconds: 1_700_000_000, runId: '0000000009' });
const all = new Set(scenario.webhooks.map((w) => w.seq));

function reordered(s: Scenario, seed: number): Scenario {
  return { ...s, webhooks: shuffled(s.webhooks, seededRandom(seed)) };
}

describe('simulate reference', () => {
  it('simulate reference - the expected state does not depend on delivery order', () => {
    const inOrder = expectedState(scenario, all, 16);
    for (const seed of [1, 2, 3]) {
      const other = expectedState(reordered(scenario, seed), all, 16);
      expect([...other.messages.keys()].sort()).toEqual([...inOrder.messages.keys()].sort());
      for (const [wamid, doc] of inOrder.messages) expect(compareMessage(wamid, doc, other.messages.get(wamid)!)).toBeNull();
      expect(other.conversations).toEqual(inOrder.conversations);
    }
  });

  it('simulate reference - a store that kept a late delivered over read is a mismatch; region is not', () => {
    const expected = expectedState(scenario, all, 16);
    const [wamid, doc] = [...expected.messages].find(([, d]) => d.status === 'read')!;
    const elsewhere = { ...doc, facts: Object.fromEntries(Object.entries(doc.facts).map(([k, f]) => [k, { ...f, region: 'x' }])) };
    expect(compareMessage(wamid, doc, elsewhere)).toBeNull();
    const regressed = { ...doc, status: 'delivered' as const, rank: 2 };
    expect(compareMessage(wamid, doc, regressed)?.what).toBe(`message ${wamid}`);
    expect(compareMessage(wamid, doc, null)).not.toBeNull();
  });

  it('simulate reference - only accepted webhooks count', () => {
    const some = new Set([...all].filter((seq) => seq % 2 === 0));
    const half = expectedState(scenario, some, 16);
    expect(half.eventIds.size).toBeLessThan(expectedState(scenario, all, 16).eventIds.size);
  });
});
