import type { Winner } from './types.ts';

/** Total order by (timestamp, tie): the tie-break makes every join deterministic. */
export function compareBy(at: number, tie: string, bt: number, btie: string): number {
  if (at !== bt) return at < bt ? -1 : 1;
  if (tie === btie) return 0;
  return tie < btie ? -1 : 1;
}

/**
 * Total order over winners: (timestamp, eventId), then region and traceparent, so the same
 * event received twice (a re-sent webhook landing in another region) still joins the same way
 * in any order.
 */
export function compareWinners(a: Winner, b: Winner): number {
  return (
    compareBy(a.timestamp, a.eventId, b.timestamp, b.eventId) ||
    compareBy(0, a.region, 0, b.region) ||
    compareBy(0, a.traceparent ?? '', 0, b.traceparent ?? '')
  );
}

/** The winner fields of a fact or record, as a stale event names it (plus how far ahead it is). */
export function beatenByOf(winner: Winner, loserTimestamp: number): Winner & { bySeconds: number } {
  const beatenBy: Winner & { bySeconds: number } = {
    eventId: winner.eventId,
    timestamp: winner.timestamp,
    region: winner.region,
    bySeconds: winner.timestamp - loserTimestamp,
  };
  if (winner.traceparent !== undefined) beatenBy.traceparent = winner.traceparent;
  return beatenBy;
}
