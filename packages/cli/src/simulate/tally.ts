import type { Outcome } from '@wamesh/core';
import type { Style } from '../view/style.ts';

/** What `wamesh simulate` reports (and prints as JSON with --json). */
export interface Tally {
  seed: number;
  regions: string[];
  /** Distinct webhooks built. */
  webhooks: number;
  /** POSTs planned: webhooks plus the duplicates. */
  posts: number;
  duplicatesSent: number;
  /** Distinct events in the accepted webhooks. */
  eventsSent: number;
  /** Sends answered 200. */
  accepted: number;
  retries: number;
  /** Sends given up on. */
  failed: number;
  /** Events the ingress reported as already in JetStream's duplicate window. */
  duplicatesSeenByIngress: number;
  drained: boolean;
  outcomes: Record<Outcome, number>;
  /** Events applied after a newer one for the same state: the inversions. */
  stale: number;
  messagesChecked: number;
  conversationsChecked: number;
  missingFromLog: number;
  /** Documents that differ from the reference join: must be 0. */
  mismatches: number;
  invertedWamid?: string;
}

export function formatTally(t: Tally, style: Style): string[] {
  const o = t.outcomes;
  const bad = (n: number, s: string) => (n ? style.red(s) : s);
  const lines = [
    `sent      ${t.webhooks} webhooks (${t.eventsSent} events) + ${t.duplicatesSent} duplicates to ${t.regions.join(', ')}, seed ${t.seed}`,
    `accepted  ${t.accepted}/${t.posts}, ${t.retries} retries, ${bad(t.failed, `${t.failed} failed`)}; ingress saw ${t.duplicatesSeenByIngress} duplicate events`,
    `outcomes  applied ${o.applied}, merged ${o.merged}, stale ${style.yellow(String(o.stale))} (inversions), duplicate ${o.duplicate}` +
      (t.missingFromLog ? style.red(`, ${t.missingFromLog} missing from the event log`) : ''),
    `check     ${t.messagesChecked} messages, ${t.conversationsChecked} conversations against the reference join` +
      (t.drained ? '' : style.red(' (consumers had not drained)')),
    t.mismatches ? style.red(`mismatches ${t.mismatches}`) : style.green('mismatches 0'),
  ];
  if (t.invertedWamid) lines.push(style.dim(`try: pnpm wamesh trace ${t.invertedWamid}`));
  return lines;
}
