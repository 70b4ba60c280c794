// The Mongo write of one entity: ONE upsert whose update pipeline computes, server-side
// and atomically, core's join of the stored document and the batch's delta. Exported so
// the mingo semantic check exercises exactly what the adapter sends.
import type { ConversationDoc, MessageDoc, StatusFact, Winner } from '@wamesh/core';
import { conversationId } from './collections.ts';

type Expr = unknown;
export type UpdatePipeline = Record<string, unknown>[];
export interface EntityUpdate {
  filter: { _id: string };
  update: UpdatePipeline;
}

/** Plain JSON, wrapped in $literal: event payloads may hold strings that start with `$`. */
const lit = (v: unknown): Expr => ({ $literal: JSON.parse(JSON.stringify(v)) });

const isMissing = (e: Expr): Expr => ({ $eq: [{ $ifNull: [e, null] }, null] });

/** `field` of the object `obj`, by name: unknown status names may hold `.` or start with `$`. */
const fieldOf = (obj: Expr, field: string): Expr => ({
  $getField: { field: { $literal: field }, input: { $ifNull: [obj, {}] } },
});

/**
 * Sets `pairs` on the object `obj` by name, not by path ($setField, MongoDB 5.0+; chosen over
 * $arrayToObject, whose one-array argument form mingo reads differently from MongoDB).
 */
const mergeInto = (obj: Expr, pairs: { k: string; v: Expr }[]): Expr =>
  pairs.reduce<Expr>(
    (input, { k, v }) => ({ $setField: { field: { $literal: k }, input, value: v } }),
    { $ifNull: [obj, {}] },
  );

/** (stored expression, delta value) pairs compared in order: a lexicographic key. */
type KeyPairs = [Expr, unknown][];

/** `stored <op> delta` lexicographically over the pairs ($lt: stored sorts first, $gt: after). */
const lexCompare = (op: '$lt' | '$gt', pairs: KeyPairs): Expr => ({
  $or: pairs.map(([s, d], i) => ({
    $and: [...pairs.slice(0, i).map(([ps, pd]) => ({ $eq: [ps, lit(pd)] })), { [op]: [s, lit(d)] }],
  })),
});

/** Core's compareWinners key: (timestamp, eventId, region, traceparent) of the record at `path`. */
const winnerKey = (path: string, w: Winner): KeyPairs => [
  [`${path}.timestamp`, w.timestamp],
  [`${path}.eventId`, w.eventId],
  [`${path}.region`, w.region],
  [{ $ifNull: [`${path}.traceparent`, ''] }, w.traceparent ?? ''],
];

/**
 * Core's `earlier(stored, delta)`: the delta replaces the stored record only when it sorts
 * strictly first by compareWinners, so the same event received in two regions joins alike.
 */
const earlier = (stored: Expr, delta: Winner): Expr => ({
  $let: {
    vars: { s: stored },
    in: { $cond: [{ $or: [isMissing('$$s'), lexCompare('$gt', winnerKey('$$s', delta))] }, lit(delta), '$$s'] },
  },
});

/** Core's minNonEmpty(stored, delta) for the business number. */
function phoneNumberIdJoin(delta: string): Expr {
  const stored = { $ifNull: ['$phoneNumberId', ''] };
  if (delta === '') return stored;
  return {
    $let: {
      vars: { s: stored },
      in: { $cond: [{ $or: [{ $eq: ['$$s', ''] }, { $lt: [lit(delta), '$$s'] }] }, lit(delta), '$$s'] },
    },
  };
}

export const messageFilter = (wamid: string): { _id: string } => ({ _id: wamid });

/**
 * joinMessageDocs(stored, delta) as one pipeline stage. Every expression reads the stored
 * (before) values: rank is the max, status follows the higher rank (rank → known status is
 * one-to-one), facts keep the earliest per status, statusAt the minimum per status.
 */
export function messageUpdate(delta: MessageDoc): EntityUpdate {
  const storedRank = { $ifNull: ['$rank', 0] };
  const facts = Object.entries(delta.facts).map(([k, fact]: [string, StatusFact]) => ({
    k,
    v: earlier(fieldOf('$facts', k), fact),
  }));
  const statusAt = Object.entries(delta.statusAt).map(([k, at]) => ({
    k,
    v: { $min: [fieldOf('$statusAt', k), at] },
  }));
  const set: Record<string, Expr> = {
    wamid: lit(delta.wamid),
    phoneNumberId: phoneNumberIdJoin(delta.phoneNumberId),
    rank: { $max: [storedRank, delta.rank] },
    status: { $cond: [{ $gt: [delta.rank, storedRank] }, lit(delta.status), { $ifNull: ['$status', null] }] },
    facts: mergeInto('$facts', facts),
    statusAt: mergeInto('$statusAt', statusAt),
  };
  if (delta.inbound) set['inbound'] = earlier('$inbound', delta.inbound);
  return { filter: messageFilter(delta.wamid), update: [{ $set: set }] };
}

export const conversationFilter = (phoneNumberId: string, userKey: string): { _id: string } => ({
  _id: conversationId(phoneNumberId, userKey),
});

/** Per identifier kind, the sorted union of the stored set and the delta's (core's joinUserIdSets). */
function idsUnion(delta: ConversationDoc['ids']): Record<string, Expr> {
  const ids: Record<string, Expr> = {};
  for (const [kind, values] of Object.entries(delta)) {
    ids[kind] = { $sortArray: { input: { $setUnion: [{ $ifNull: [`$ids.${kind}`, []] }, lit(values)] }, sortBy: 1 } };
  }
  return ids;
}

/**
 * joinConversations(stored, delta) as one pipeline stage: the later second wins; in the
 * same second the larger wamid wins (then core's compareWinners) and the doc is ambiguous
 * when the wamids differ or either side already was.
 */
export function conversationUpdate(delta: ConversationDoc): EntityUpdate {
  const d = delta.last;
  const storedAmbiguous = { $ifNull: ['$ambiguous', false] };
  const sameSecond = { $eq: ['$last.timestamp', d.timestamp] };
  // Core's order: (timestamp, wamid), then compareWinners; the larger wins.
  const [byTimestamp, ...byWinner] = winnerKey('$last', d);
  const takeDelta = {
    $or: [isMissing('$last'), lexCompare('$lt', [byTimestamp!, ['$last.wamid', d.wamid], ...byWinner])],
  };
  const cond = (test: Expr, yes: Expr, no: Expr): Expr => ({ $cond: [test, yes, no] });
  const ambiguous = cond(
    isMissing('$last'),
    delta.ambiguous,
    cond(
      sameSecond,
      { $or: [storedAmbiguous, delta.ambiguous, { $ne: ['$last.wamid', lit(d.wamid)] }] },
      cond({ $gt: ['$last.timestamp', d.timestamp] }, storedAmbiguous, delta.ambiguous),
    ),
  );
  const set = {
    phoneNumberId: lit(delta.phoneNumberId),
    userKey: lit(delta.userKey),
    ids: idsUnion(delta.ids),
    last: { $cond: [takeDelta, lit(d), '$last'] },
    ambiguous,
  };
  return { filter: conversationFilter(delta.phoneNumberId, delta.userKey), update: [{ $set: set }] };
}

/** A stored document back in its domain shape (without `_id`). */
export function fromStored<D>(stored: ({ _id: unknown } & Record<string, unknown>) | null): D | null {
  if (!stored) return null;
  const { _id, ...doc } = stored;
  return doc as D;
}
