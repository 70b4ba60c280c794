// Conversation state keyed by (phoneNumberId, userKey): the latest inbound message by
// (timestamp, wamid). WhatsApp timestamps have one-second resolution, so a same-second
// pair is ordered by wamid and flagged ambiguous; only strictly older messages are stale.
import type { Applied } from './message-doc.ts';
import { beatenByOf, compareBy, compareWinners } from './order.ts';
import type { ConversationDoc, ConversationLast, Envelope, MessageEvent } from './types.ts';
import { joinUserIdSets, userIdSetsOf } from './user-key.ts';

export function conversationOf({ event, meta }: Envelope<MessageEvent>): ConversationDoc {
  const last: ConversationLast = {
    eventId: event.id,
    timestamp: event.timestamp,
    region: meta.region,
    wamid: event.wamid,
    type: event.type,
  };
  if (meta.traceparent !== undefined) last.traceparent = meta.traceparent;
  if (event.contactName !== undefined) last.contactName = event.contactName;
  return { phoneNumberId: event.phoneNumberId, userKey: event.userKey, ids: userIdSetsOf(event.user), last, ambiguous: false };
}

/**
 * The join: `last` is the max by (timestamp, wamid), ambiguous when distinct wamids share
 * the winning second; the identifier sets are unions.
 */
export function joinConversations(a: ConversationDoc, b: ConversationDoc): ConversationDoc {
  const ids = joinUserIdSets(a.ids, b.ids);
  if (a.last.timestamp !== b.last.timestamp) return { ...(a.last.timestamp > b.last.timestamp ? a : b), ids };
  const order =
    compareBy(a.last.timestamp, a.last.wamid, b.last.timestamp, b.last.wamid) || compareWinners(a.last, b.last);
  const top = order >= 0 ? a : b;
  const ambiguous = a.ambiguous || b.ambiguous || a.last.wamid !== b.last.wamid;
  return { ...top, ids, ambiguous };
}

/**
 * Applies one inbound message: same event as `last` → duplicate; strictly newer second →
 * applied; strictly older second → stale (beaten by `last`); same second → applied if it
 * became `last`, else merged, and the doc is flagged ambiguous.
 */
export function applyMessage(
  doc: ConversationDoc | null,
  envelope: Envelope<MessageEvent>,
): Applied<ConversationDoc> {
  const own = conversationOf(envelope);
  if (!doc) return { doc: own, outcome: 'applied' };
  const { event } = envelope;
  // The doc is always the join, whatever the outcome: outcomes classify, they never filter.
  const joined = joinConversations(doc, own);
  if (doc.last.eventId === event.id) return { doc: joined, outcome: 'duplicate' };
  if (event.timestamp > doc.last.timestamp) return { doc: joined, outcome: 'applied' };
  if (event.timestamp < doc.last.timestamp) {
    return { doc: joined, outcome: 'stale', beatenBy: beatenByOf(doc.last, event.timestamp) };
  }
  return { doc: joined, outcome: joined.last.eventId === event.id ? 'applied' : 'merged' };
}
