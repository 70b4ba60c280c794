// Message state keyed by wamid, as a join-semilattice. Per status the earliest
// (timestamp, eventId) fact is kept; the status is the highest-ranked known status seen,
// `failed` above the ladder. The store adapters express the same join as one atomic update.
import { beatenByOf, compareBy, compareWinners } from './order.ts';
import type {
  Envelope,
  InboundRecord,
  KnownStatus,
  MessageDoc,
  MessageEvent,
  Outcome,
  StatusEvent,
  StatusFact,
  StatusFields,
  Winner,
} from './types.ts';

const RANKS: Readonly<Record<KnownStatus, number>> = {
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 100,
};

export function isKnownStatus(status: string): status is KnownStatus {
  return Object.hasOwn(RANKS, status);
}

/** sent 1 < delivered 2 < read 3 < played 4; failed 100 (terminal, wins); unknown 0. */
export function statusRank(status: string): number {
  return isKnownStatus(status) ? RANKS[status] : 0;
}

function winnerOf(meta: Envelope['meta'], event: { id: string; timestamp: number }): Winner {
  const winner: Winner = { eventId: event.id, timestamp: event.timestamp, region: meta.region };
  if (meta.traceparent !== undefined) winner.traceparent = meta.traceparent;
  return winner;
}

/** The fact one status event observed. */
export function factOf({ event, meta }: Envelope<StatusEvent>): StatusFact {
  const fact: StatusFact = winnerOf(meta, event);
  if (event.recipientId !== undefined) fact.recipientId = event.recipientId;
  if (event.recipientUserId !== undefined) fact.recipientUserId = event.recipientUserId;
  if (event.conversation !== undefined) fact.conversation = event.conversation;
  if (event.pricing !== undefined) fact.pricing = event.pricing;
  if (event.errors !== undefined) fact.errors = event.errors;
  if (event.bizOpaqueCallbackData !== undefined) fact.bizOpaqueCallbackData = event.bizOpaqueCallbackData;
  return fact;
}

/** The document one status event alone would produce. */
export function messageDocOf(envelope: Envelope<StatusEvent>): MessageDoc {
  const { event } = envelope;
  return withDerived({
    wamid: event.wamid,
    phoneNumberId: event.phoneNumberId,
    status: null,
    rank: 0,
    statusAt: {},
    facts: { [event.status]: factOf(envelope) },
  });
}

/** The document an inbound message produces for its own wamid (no statuses yet). */
export function inboundOf({ event, meta }: Envelope<MessageEvent>): MessageDoc {
  const inbound: InboundRecord = { ...winnerOf(meta, event), userKey: event.userKey, type: event.type };
  if (event.contextWamid !== undefined) inbound.contextWamid = event.contextWamid;
  return { wamid: event.wamid, phoneNumberId: event.phoneNumberId, status: null, rank: 0, statusAt: {}, facts: {}, inbound };
}

function earlier<T extends Winner>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareWinners(a, b) <= 0 ? a : b;
}

/** Recomputes `statusAt`, `status` and `rank` from the facts. */
function withDerived(doc: MessageDoc): MessageDoc {
  let status: KnownStatus | null = null;
  let rank = 0;
  const statusAt: Record<string, number> = {};
  for (const [name, fact] of Object.entries(doc.facts)) {
    statusAt[name] = fact.timestamp;
    const r = statusRank(name);
    if (r > rank) {
      rank = r;
      status = name as KnownStatus;
    }
  }
  return { ...doc, status, rank, statusAt };
}

/** The join: commutative, associative, idempotent (for docs of the same wamid). */
export function joinMessageDocs(a: MessageDoc, b: MessageDoc): MessageDoc {
  const facts: Record<string, StatusFact> = { ...a.facts };
  for (const [name, fact] of Object.entries(b.facts)) facts[name] = earlier(facts[name], fact)!;
  const doc: MessageDoc = {
    wamid: a.wamid,
    // Same wamid, same business number; the min keeps the join symmetric if they ever differ.
    phoneNumberId: minNonEmpty(a.phoneNumberId, b.phoneNumberId),
    status: null,
    rank: 0,
    statusAt: {},
    facts,
  };
  const inbound = earlier(a.inbound, b.inbound);
  if (inbound) doc.inbound = inbound;
  return withDerived(doc);
}

function minNonEmpty(a: string, b: string): string {
  if (!a || !b) return a || b;
  return a <= b ? a : b;
}

/** A message doc with the fields status events carry, merged across its facts. */
export interface MessageView extends MessageDoc, StatusFields {}

const VIEW_FIELDS = [
  'recipientId',
  'recipientUserId',
  'conversation',
  'pricing',
  'errors',
  'bizOpaqueCallbackData',
] as const satisfies readonly (keyof StatusFields)[];

/** Per field, the highest-ranked fact that has it wins, so a late lower status still contributes. */
export function messageView(doc: MessageDoc): MessageView {
  const view: MessageView = { ...doc };
  const ranked = Object.entries(doc.facts).sort(
    ([a], [b]) => statusRank(b) - statusRank(a) || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const field of VIEW_FIELDS) {
    const hit = ranked.find(([, fact]) => fact[field] !== undefined);
    if (hit) Object.assign(view, { [field]: hit[1][field] });
  }
  return view;
}

export interface Applied<D> {
  doc: D;
  outcome: Outcome;
  /** For `stale`: the event holding the state this one lost to, and by how many seconds. */
  beatenBy?: Winner & { bySeconds: number };
}

/**
 * Applies one status event:
 * - its status's fact is already held by an earlier-or-same (timestamp, eventId) → duplicate;
 * - its rank is above the stored rank → applied;
 * - below (a known status the ladder has passed) → stale, yet its timestamp and fields join in;
 * - otherwise (same rank, or an unknown status, which is off the ladder) → merged.
 */
export function applyStatus(doc: MessageDoc | null, envelope: Envelope<StatusEvent>): Applied<MessageDoc> {
  const { event } = envelope;
  const own = messageDocOf(envelope);
  // The doc is always the join, whatever the outcome: outcomes classify, they never filter.
  const joined = doc ? joinMessageDocs(doc, own) : own;
  const held = doc?.facts[event.status];
  if (held && compareBy(held.timestamp, held.eventId, event.timestamp, event.id) <= 0) {
    return { doc: joined, outcome: 'duplicate' };
  }
  const rank = statusRank(event.status);
  const storedRank = doc?.rank ?? 0;
  if (rank > storedRank) return { doc: joined, outcome: 'applied' };
  if (rank > 0 && rank < storedRank && doc?.status) {
    const winner = doc.facts[doc.status]!;
    return { doc: joined, outcome: 'stale', beatenBy: beatenByOf(winner, event.timestamp) };
  }
  return { doc: joined, outcome: 'merged' };
}
