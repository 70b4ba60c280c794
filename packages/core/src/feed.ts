// The change feed's bookkeeping, kept on each entity document and written in the same
// compare-and-set as its state, so a committed change and its feed position cannot
// disagree: every event that changed the entity gets the next per-key sequence number,
// and a mark (event id → seq, outcome) stays on the document for the last RECENT_MARKS
// changes. A consumer that died between the state write and the log row finds the mark on
// redelivery and logs the change as it was committed, instead of as a duplicate.
import type { EventOutcome } from './fold.ts';
import type { EventKind, Outcome, Winner } from './types.ts';

/** One committed change of an entity: its event, per-key sequence number and outcome. */
export interface FeedMark {
  eventId: string;
  seq: number;
  outcome: Exclude<Outcome, 'duplicate'>;
  beatenBy?: Winner & { bySeconds: number };
}

/** Feed state of one entity: the last sequence number given and the latest marks. */
export interface FeedState {
  seq: number;
  recent: FeedMark[];
}

/**
 * Marks kept per entity. A redelivery comes within the ack wait (seconds), long before 64
 * later changes of the same conversation or message; a repair past the window logs the
 * event as a duplicate (state stays right, the feed misses that entry).
 */
export const RECENT_MARKS = 64;

export interface Marked {
  feed: FeedState;
  /** Per outcome given, its mark: a new one, the one a previous attempt committed, or none (a duplicate). */
  marks: (FeedMark | undefined)[];
  /** Some outcome got a new sequence number: the feed changed and must be written. */
  advanced: boolean;
}

/** Gives each non-duplicate outcome the next sequence number, unless an earlier commit already did. */
export function markFeed(feed: FeedState | undefined, outcomes: readonly EventOutcome[]): Marked {
  let seq = feed?.seq ?? 0;
  const recent = [...(feed?.recent ?? [])];
  const byEvent = new Map(recent.map((m) => [m.eventId, m]));
  let advanced = false;
  const marks = outcomes.map((o) => {
    const held = byEvent.get(o.eventId);
    if (held) return held;
    if (o.outcome === 'duplicate') return undefined;
    const mark: FeedMark = { eventId: o.eventId, seq: ++seq, outcome: o.outcome };
    if (o.beatenBy) mark.beatenBy = o.beatenBy;
    recent.push(mark);
    byEvent.set(o.eventId, mark);
    advanced = true;
    return mark;
  });
  return { feed: { seq, recent: recent.slice(-RECENT_MARKS) }, marks, advanced };
}

/** Feed entry kinds; a `field` entry is a non-messages change. */
export type FeedKind = 'message.received' | 'message.late' | 'status.advanced' | 'status.merged' | 'field';

/**
 * What a committed change is in the feed: an inbound message that became (or tied) the
 * conversation's latest is received, an older one late; a status that moved the joined
 * status up advanced it, any other status change merged into the message.
 */
export function feedKindOf(kind: EventKind | 'field', outcome: Exclude<Outcome, 'duplicate'>): FeedKind {
  if (kind === 'field') return 'field';
  if (kind === 'msg') return outcome === 'stale' ? 'message.late' : 'message.received';
  return outcome === 'applied' ? 'status.advanced' : 'status.merged';
}

/** Per-key ordering keys of the feed. */
export const conversationFeedKey = (phoneNumberId: string, userKey: string): string => `conv:${phoneNumberId}:${userKey}`;
export const messageFeedKey = (wamid: string): string => `msg:${wamid}`;
export const fieldFeedKey = (businessId: string): string => `field:${businessId}`;
