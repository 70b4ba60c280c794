// Sends the schedule over real HTTP like Meta does: signed POSTs, retried with backoff when
// the ingress cannot take them (5xx, connection errors), never when it rejected them (4xx).
import { retry, sleep } from '@wamesh/bus';
import { signBody } from '@wamesh/core';
import type { Scenario } from './scenario.ts';
import type { Send } from './schedule.ts';

export interface DeliveryTally {
  /** POSTs that got an answer (retries included). */
  posts: number;
  /** Webhook sends (originals and duplicates) that ended in 200. */
  accepted: number;
  /** Sends that were duplicates by design. */
  duplicatesSent: number;
  /** Events the ingress reported as already stored (JetStream duplicate window). */
  duplicatesSeen: number;
  /** Events carried by accepted sends. */
  events: number;
  retries: number;
  /** Sends given up on, with the last answer. */
  failed: { seq: number; region: string; why: string }[];
}

export interface DeliverOptions {
  ingress: Record<string, string>;
  appSecret: string;
  maxAttempts?: number;
  /** Called after each send settles (for the progress bar). */
  onSettled?: (t: DeliveryTally) => void;
}

/** Like Meta's quick retries: 100 ms, doubling, up to 2 s. */
const DELIVERY_RETRY = { initialMs: 100, maxMs: 2_000 };

/** An answer worth sending again (5xx, 429). */
class RetryableAnswer extends Error {
  override name = 'RetryableAnswer';
}
/** Plays the schedule in real time; resolves with the tally and the seqs that landed. */
export async function deliver(
  scenario: Scenario,
  sends: Send[],
  opts: DeliverOptions,
): Promise<{ tally: DeliveryTally; accepted: Set<number> }> {
  const tally: DeliveryTally = { posts: 0, accepted: 0, duplicatesSent: 0, duplicatesSeen: 0, events: 0, retries: 0, failed: [] };
  const accepted = new Set<number>();
  const signatures = new Map<number, string>();
  const maxAttempts = opts.maxAttempts ?? 6;
  const start = performance.now();

  const one = async (send: Send): Promise<void> => {
    const webhook = scenario.webhooks[send.seq]!;
    const signature = signatures.get(send.seq) ?? signBody(webhook.body, opts.appSecret);
    signatures.set(send.seq, signature);
    const url = opts.ingress[send.region];
    if (!url) throw new Error(`no ingress for region ${send.region}`);
    // Resolves with why a rejected send failed, undefined when it was accepted; throws to retry.
    const post = async (): Promise<string | undefined> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body: webhook.body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      tally.posts++;
      if (res.status === 200) {
        tally.accepted++;
        tally.events += webhook.events;
        tally.duplicatesSeen += duplicatesOf(text);
        accepted.add(send.seq);
        return undefined;
      }
      const why = `HTTP ${res.status} ${text.slice(0, 200)}`;
      if (res.status >= 500 || res.status === 429) throw new RetryableAnswer(why);
      return why;
    };
    // Connection errors and timeouts are retried too: the ingress may be restarting.
    const why = await retry(post, {
      policy: DELIVERY_RETRY,
      attempts: maxAttempts,
      retryable: () => true,
      onRetry: () => tally.retries++,
    }).catch((err: unknown) => (err as Error).message);
    if (why !== undefined) tally.failed.push({ seq: send.seq, region: send.region, why });
  };

  const inflight = new Set<Promise<void>>();
  for (const send of sends) {
    const wait = send.at - (performance.now() - start);
    if (wait > 1) await sleep(wait);
    if (send.duplicate) tally.duplicatesSent++;
    const p = one(send).finally(() => {
      inflight.delete(p);
      opts.onSettled?.(tally);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { tally, accepted };
}

function duplicatesOf(body: string): number {
  try {
    const n = (JSON.parse(body) as { duplicates?: unknown }).duplicates;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}
