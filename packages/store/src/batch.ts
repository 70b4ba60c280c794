// What every adapter shares: group a batch by entity, join each group in memory (core's
// fold), hand the delta to the adapter's ONE atomic join-write, and classify each event
// against the before-image that write returns. Writes of a batch go out together.
import {
  type ConversationDoc,
  type Envelope,
  type EventOutcome,
  foldMessages,
  foldStatuses,
  inboundOf,
  joinMessageDocs,
  type MessageDoc,
  type MessageEvent,
  type StatusEvent,
} from '@wamesh/core';
import type { ApplyResult, MessageApplyResult } from './types.ts';

/** An adapter's atomic join-writes; each resolves with the document as it was before. */
export interface JoinWriter {
  joinMessage(delta: MessageDoc): Promise<MessageDoc | null>;
  joinConversation(delta: ConversationDoc): Promise<ConversationDoc | null>;
}

interface Indexed<E> {
  index: number;
  envelope: E;
}

function groupBy<E>(batch: readonly E[], keyOf: (e: E) => string): Indexed<E>[][] {
  const groups = new Map<string, Indexed<E>[]>();
  batch.forEach((envelope, index) => {
    const key = keyOf(envelope);
    const group = groups.get(key);
    if (group) group.push({ index, envelope });
    else groups.set(key, [{ index, envelope }]);
  });
  return [...groups.values()];
}

function resultOf<D>(outcome: EventOutcome, doc: D): ApplyResult<D> {
  const result: ApplyResult<D> = { eventId: outcome.eventId, outcome: outcome.outcome, doc };
  if (outcome.beatenBy) result.beatenBy = outcome.beatenBy;
  return result;
}

export async function applyStatusBatch(
  writer: JoinWriter,
  batch: readonly Envelope<StatusEvent>[],
): Promise<ApplyResult<MessageDoc>[]> {
  const results: ApplyResult<MessageDoc>[] = new Array(batch.length);
  const writes = groupBy(batch, (e) => e.event.wamid).map(async (group) => {
    const envelopes = group.map((g) => g.envelope);
    const before = await writer.joinMessage(foldStatuses(null, envelopes).delta!);
    const folded = foldStatuses(before, envelopes);
    group.forEach((g, i) => {
      results[g.index] = resultOf(folded.outcomes[i]!, folded.after!);
    });
  });
  await Promise.all(writes);
  return results;
}

const conversationOfEvent = (e: Envelope<MessageEvent>): string => `${e.event.phoneNumberId}\u0000${e.event.waId}`;

/**
 * Message events write two entities at once: the conversation (outcomes come from its
 * fold) and the inbound record into the message doc of the wamid (so a status that came
 * first is joined, not overwritten).
 */
export async function applyMessageBatch(
  writer: JoinWriter,
  batch: readonly Envelope<MessageEvent>[],
): Promise<MessageApplyResult[]> {
  const conversations = new Map<number, { outcome: EventOutcome; doc: ConversationDoc }>();
  const messages = new Map<string, { before: MessageDoc | null; after: MessageDoc }>();
  const conversationWrites = groupBy(batch, conversationOfEvent).map(async (group) => {
    const envelopes = group.map((g) => g.envelope);
    const before = await writer.joinConversation(foldMessages(null, envelopes).delta!);
    const folded = foldMessages(before, envelopes);
    group.forEach((g, i) => {
      conversations.set(g.index, { outcome: folded.outcomes[i]!, doc: folded.after! });
    });
  });
  const messageWrites = groupBy(batch, (e) => e.event.wamid).map(async (group) => {
    const delta = group.map((g) => inboundOf(g.envelope)).reduce(joinMessageDocs);
    const before = await writer.joinMessage(delta);
    messages.set(delta.wamid, { before, after: before ? joinMessageDocs(before, delta) : delta });
  });
  await Promise.all([...conversationWrites, ...messageWrites]);

  const seen = new Set<string>();
  return batch.map((envelope, index) => {
    const { event } = envelope;
    const conversation = conversations.get(index)!;
    const message = messages.get(event.wamid)!;
    const outcome = redelivered(conversation.outcome, message.before, seen.has(event.id));
    seen.add(event.id);
    return { ...resultOf(outcome, conversation.doc), message: message.after };
  });
}

/**
 * The conversation only remembers its latest message, so an older message sent again
 * would read as `stale` (or `merged`) once more. The message doc remembers every inbound
 * record: if it (or an earlier copy in this batch) already held this event, it is a
 * duplicate. An `applied` outcome is kept: the conversation did advance in this write.
 */
function redelivered(outcome: EventOutcome, before: MessageDoc | null, inBatch: boolean): EventOutcome {
  if (outcome.outcome === 'applied' || outcome.outcome === 'duplicate') return outcome;
  if (!inBatch && before?.inbound?.eventId !== outcome.eventId) return outcome;
  return { eventId: outcome.eventId, outcome: 'duplicate' };
}
