import { describe, expect, it } from 'vitest';
import { seededRandom, shuffled } from './random.ts';

describe('random', () => {
  it('random - a seed gives the same mulberry32 sequence every run (simulate replays depend on it)', () => {
    const r = seededRandom(1);
    expect([r(), r(), r()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 1_000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('random - shuffled is a permutation that leaves its input alone', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(items, seededRandom(7));
    expect(out).not.toEqual(items);
    expect([...out].sort((x, y) => x - y)).toEqual(items);
    expect(items[0]).toBe(0);
    expect(shuffled(items, seededRandom(7))).toEqual(out);
  });
});
