// The one retry policy of the repository. Waits grow from `initialMs` by `factor` up to
// `maxMs`; nats-core's `backoff` (the one nats.js drives its own retries with) jitters each
// step to 0.5-1.5x so retrying replicas spread out, and the cap holds after the jitter.
import { backoff as natsBackoff, delay } from '@nats-io/nats-core';

export interface RetryPolicy {
  /** Wait before the first retry. */
  initialMs: number;
  /** No wait is longer than this (it wins over initialMs). */
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

/** Wait before the `attempt`-th retry (1 = the first). */
export type Backoff = (attempt: number) => number;

/** The waits of `policy`, jittered by nats-core and capped at `maxMs`. */
export function backoff(policy: RetryPolicy): Backoff {
  const { initialMs, maxMs, factor = 2 } = policy;
  if (!(initialMs > 0) || !(maxMs > 0) || !(factor > 1)) {
    throw new RangeError(`retry policy wants positive initialMs and maxMs and factor > 1, got ${JSON.stringify(policy)}`);
  }
  const steps: number[] = [];
  for (let ms = initialMs; ms < maxMs; ms *= factor) steps.push(ms);
  steps.push(maxMs);
  const b = natsBackoff(steps);
  return (attempt) => Math.min(maxMs, b.backoff(Math.max(0, attempt - 1)));
}

/** Resolves after `ms`, or at once when `signal` aborts (a stop never waits out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  const d = delay(ms);
  if (!signal) return d;
  const cancel = () => d.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  return d.finally(() => signal.removeEventListener('abort', cancel));
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Whether this failure is worth another attempt; anything else is thrown at once. */
  retryable(err: unknown): boolean;
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Epoch ms after which a failure is thrown instead of retried. */
  until?: number;
  signal?: AbortSignal;
  /** Told before each wait (counting, logging). */
  onRetry?(err: unknown, attempt: number, waitMs: number): void;
}

/** Runs `fn` until it resolves, retrying retryable failures on the policy's waits. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const wait = backoff(opts.policy);
  const attempts = opts.attempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const over = attempt >= attempts || (opts.until !== undefined && Date.now() >= opts.until) || opts.signal?.aborted;
      if (over || !opts.retryable(err)) throw err;
      const ms = wait(attempt);
      opts.onRetry?.(err, attempt, ms);
      await sleep(ms, opts.signal);
    }
  }
}
