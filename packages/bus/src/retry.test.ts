import { describe, expect, it } from 'vitest';
import { backoff, retry, sleep } from './retry.ts';

describe('retry - the one policy', () => {
  it('retry - waits grow by the factor, jittered to 0.5-1.5x, and never pass maxMs', () => {
    const wait = backoff({ initialMs: 100, maxMs: 1_000 });
    for (let i = 0; i < 200; i++) {
      const first = wait(1);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThan(150);
      const third = wait(3);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThan(600);
      expect(wait(40)).toBeLessThanOrEqual(1_000);
      expect(wait(40)).toBeGreaterThanOrEqual(500);
    }
    const x4 = backoff({ initialMs: 10, maxMs: 60_000, factor: 4 });
    expect(x4(2)).toBeGreaterThanOrEqual(20);
    expect(x4(2)).toBeLessThan(60);
  });

  it('retry - refuses a policy that would never wait or never grow', () => {
    expect(() => backoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => backoff({ initialMs: 10, maxMs: 100, factor: 1 })).toThrow(RangeError);
  });

  it('retry - retries retryable failures until success, counting each wait', async () => {
    const waits: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`try ${attempt}`);
        return attempt;
      },
      { policy: { initialMs: 1, maxMs: 4 }, retryable: () => true, onRetry: (_e, n, ms) => waits.push(n, ms) },
    );
    expect(result).toBe(3);
    expect(waits.filter((_, i) => i % 2 === 0)).toEqual([1, 2]);
  });

  it('retry - throws at once what is not retryable, and the last failure once attempts or time run out', async () => {
    let calls = 0;
    const fatal = new TypeError('bad');
    await expect(
      retry(
        async () => {
          calls++;
          throw fatal;
        },
        { policy: { initialMs: 1, maxMs: 2 }, retryable: (e) => !(e instanceof TypeError) },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      retry(
        async () => {
          throw new Error(`attempt ${++calls}`);
        },
        { policy: { initialMs: 1, maxMs: 2 }, retryable: () => true, attempts: 4 },
      ),
    ).rejects.toThrow('attempt 4');

    calls = 0;
    const started = Date.now();
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('down');
        },
        { policy: { initialMs: 10, maxMs: 20 }, retryable: () => true, until: Date.now() + 100 },
      ),
    ).rejects.toThrow('down');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toBeGreaterThan(1);
  });

  it('retry - sleep ends early when its signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 20);
    await sleep(10_000, abort.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(10_000, abort.signal); // already aborted: at once
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
