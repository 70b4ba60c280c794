import { describe, expect, it, vi } from 'vitest';
import type { FeedEntry } from './entry.ts';
import { KeyOrder, type Slot } from './key-order.ts';

const entry = (key: string, seq: number): FeedEntry => ({
  id: `${key}-${seq}`,
  kind: 'status.advanced',
  key,
  seq,
  region: 'eu',
  receivedAt: 1,
  committedAt: 2,
  event: {},
});

function order(gapTimeoutMs = 1_000, maxKeys = 100) {
  const handed: Slot<string>[] = [];
  const o = new KeyOrder<string>({ gapTimeoutMs, maxKeys, hand: (s) => handed.push(s) });
  const seen = () => handed.map((s) => `${s.entry.key}${s.entry.seq}${s.entry.flags?.gap ? 'g' : ''}${s.entry.flags?.behind ? 'b' : ''}`);
  return { o, handed, seen };
}

describe('client key order - one at a time per key, in seq order', () => {
  it("starts a key at its first entry, hands the next only after done, other keys meanwhile", () => {
    const { o, handed, seen } = order();
    o.add(entry('a', 4), 'm1');
    o.add(entry('a', 5), 'm2');
    o.add(entry('b', 1), 'm3');
    expect(seen()).toEqual(['a4', 'b1']);
    o.done(handed[0]!);
    expect(seen()).toEqual(['a4', 'b1', 'a5']);
  });

  it('a redelivery of an entry held or out replaces its handle, it is not handed twice', () => {
    const { o, handed, seen } = order();
    o.add(entry('a', 1), 'first');
    o.add(entry('a', 2), 'held');
    o.add(entry('a', 1), 'again');
    o.add(entry('a', 2), 'held again');
    expect(seen()).toEqual(['a1']);
    expect(handed[0]!.ref).toBe('again');
    o.done(handed[0]!);
    expect(handed[1]!.ref).toBe('held again');
  });

  it('holds an entry after a missing seq until it arrives; past the gap timeout it goes flagged, the missing one then behind', () => {
    vi.useFakeTimers();
    try {
      const { o, handed, seen } = order(1_000);
      o.add(entry('a', 1), 'm');
      o.done(handed[0]!);
      o.add(entry('a', 3), 'm');
      vi.advanceTimersByTime(999);
      expect(seen()).toEqual(['a1']);
      o.add(entry('a', 2), 'm');
      expect(seen()).toEqual(['a1', 'a2']);
      o.done(handed[1]!);
      expect(seen()).toEqual(['a1', 'a2', 'a3']);
      o.done(handed[2]!);

      o.add(entry('a', 5), 'm');
      vi.advanceTimersByTime(1_000);
      expect(seen()).toEqual(['a1', 'a2', 'a3', 'a5g']);
      o.add(entry('a', 4), 'm');
      o.done(handed[3]!);
      expect(seen()).toEqual(['a1', 'a2', 'a3', 'a5g', 'a4b']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets the least recently seen idle keys beyond maxKeys; a forgotten key starts again at its next entry', () => {
    vi.useFakeTimers();
    try {
      const { o, handed, seen } = order(1_000, 2);
      for (const k of ['a', 'b', 'c']) {
        o.add(entry(k, 1), 'm');
        o.done(handed.at(-1)!);
      }
      // a is forgotten: its seq 3 starts it; b is remembered: its seq 3 waits for 2.
      o.add(entry('a', 3), 'm');
      o.add(entry('b', 3), 'm');
      expect(seen()).toEqual(['a1', 'b1', 'c1', 'a3']);
      expect(o.slots().map((s) => s.entry.id).sort()).toEqual(['a-3', 'b-3']);
      o.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
