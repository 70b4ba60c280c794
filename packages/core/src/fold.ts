// Batch helper for the store adapters: they join a batch in memory (`delta`), write it
// once as an atomic conditional join, and classify each event against the before-image.
import { applyMessage, conversationOf, joinConversations } from './conversation.ts';
import { type Applied, applyStatus, joinMessageDocs, messageDocOf } from './message-doc.ts';
import type { ConversationDoc, Envelope, MessageDoc, MessageEvent, Outcome, StatusEvent, WaEvent, Winner } from './types.ts';

export interface EventOutcome {
  eventId: string;
  outcome: Outcome;
  beatenBy?: Winner & { bySeconds: number };
}

export interface Folded<D> {
  /** The join of the batch's events alone: what the adapter writes (joined into the stored doc). */
  delta: D | null;
  /** The join of `before` and the batch: the document once the write has landed. */
  after: D | null;
  /** One per envelope, in the order given, as if applied one by one onto `before`. */
  outcomes: EventOutcome[];
}

/** Folds `apply` over the envelopes in order and joins their documents into one delta. */
export function foldOutcomes<D, E extends WaEvent>(
  before: D | null,
  envelopes: readonly Envelope<E>[],
  apply: (doc: D | null, envelope: Envelope<E>) => Applied<D>,
  docOf: (envelope: Envelope<E>) => D,
  join: (a: D, b: D) => D,
): Folded<D> {
  let doc = before;
  let delta: D | null = null;
  const outcomes: EventOutcome[] = [];
  for (const envelope of envelopes) {
    const result = apply(doc, envelope);
    doc = result.doc;
    const own = docOf(envelope);
    delta = delta === null ? own : join(delta, own);
    const outcome: EventOutcome = { eventId: envelope.event.id, outcome: result.outcome };
    if (result.beatenBy) outcome.beatenBy = result.beatenBy;
    outcomes.push(outcome);
  }
  return { delta, after: doc, outcomes };
}

/** Status events of ONE wamid against its stored message doc. */
export function foldStatuses(before: MessageDoc | null, envelopes: readonly Envelope<StatusEvent>[]): Folded<MessageDoc> {
  return foldOutcomes(before, envelopes, applyStatus, messageDocOf, joinMessageDocs);
}

/** Inbound messages of ONE conversation (phoneNumberId, waId) against its stored doc. */
export function foldMessages(
  before: ConversationDoc | null,
  envelopes: readonly Envelope<MessageEvent>[],
): Folded<ConversationDoc> {
  return foldOutcomes(before, envelopes, applyMessage, conversationOf, joinConversations);
}
