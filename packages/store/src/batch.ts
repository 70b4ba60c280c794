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

const conversationOfEvent = (e: Envelope<MessageEvent>): string => `${e.event.phoneNumberId}\u0000${e.event.userKey}`;

/**
 * Message events write two entities at once: the conversation (outcomes come from its
 * fold) and the inbound record into the message doc of the wamid (so a status that came
 * first is joined, not overwritten). Outcomes are core's as they are: an older message
 * seen again reads as `stale` again (the conversation keeps only its latest), which is what
 * routes it to review if the attempt that first applied it died before logging it.
 */
export async function applyMessageBatch(
  writer: JoinWriter,
  batch: readonly Envelope<MessageEvent>[],
): Promise<MessageApplyResult[]> {
  const conversations = new Map<number, { outcome: EventOutcome; doc: ConversationDoc }>();
  const messages = new Map<string, { after: MessageDoc }>();
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
    messages.set(delta.wamid, { after: before ? joinMessageDocs(before, delta) : delta });
  });
  await Promise.all([...conversationWrites, ...messageWrites]);

  return batch.map((envelope, index) => {
    const conversation = conversations.get(index)!;
    return { ...resultOf(conversation.outcome, conversation.doc), message: messages.get(envelope.event.wamid)!.after };
  });
}
