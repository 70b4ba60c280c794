import type { Winner } from './types.ts';

/** Total order by (timestamp, tie): the tie-break makes every join deterministic. */
export function compareBy(at: number, tie: string, bt: number, btie: string): number {
  if (at !== bt) return at < bt ? -1 : 1;
  if (tie === btie) return 0;
  return tie < btie ? -1 : 1;
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
