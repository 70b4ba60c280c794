// What every adapter shares: group a batch by entity and commit each group with ONE
// compare-and-set on the entity's document. Inside it (re-run on a conflict, against what
// the other writer stored): join the group into the stored state (core's fold), classify
// each event, and give each change its per-key feed sequence number (core's markFeed), so
// state and feed position are written together or not at all. Writes of a batch go out together.
import {
  type BusinessDoc,
  businessDocOf,
  businessIdOf,
  type ConversationDoc,
  type Envelope,
  type EventOutcome,
  type FeedMark,
  type FieldEnvelope,
  type FeedState,
  foldMessages,
  foldStatuses,
  inboundOf,
  joinBusinessDocs,
  joinMessageDocs,
  type MessageDoc,
  type MessageEvent,
  markFeed,
  type StatusEvent,
} from '@wamesh/core';
import { isDeepStrictEqual } from 'node:util';
import type { ApplyResult, MessageApplyResult } from './types.ts';

/** An entity document as stored: its state plus the feed bookkeeping of its changes. */
export type Stored<D> = D & { feed?: FeedState };

/** Computes the document to write from the stored one; null when there is nothing to write. */
export type Next<D> = (stored: Stored<D> | null) => Promise<Stored<D> | null>;

/**
 * An adapter's atomic compare-and-set on one document: read it, call `next`, write the
 * result only if the document did not change in between; on a conflict read and call again.
 */
export interface EntityWriter {
  commitMessage(wamid: string, next: Next<MessageDoc>): Promise<void>;
  commitConversation(phoneNumberId: string, userKey: string, next: Next<ConversationDoc>): Promise<void>;
  commitBusiness(businessId: string, next: Next<BusinessDoc>): Promise<void>;
  /** Which of these event ids the event log already holds (re-sent messages older than the conversation's latest). */
  logged(eventIds: string[]): Promise<Set<string>>;
}

/** The domain document, without the feed bookkeeping. */
export function stateOf<D>(stored: Stored<D>): D {
  const { feed: _feed, ...state } = stored;
  return state as D;
}

/** JSON as it will be read back (no undefined fields), so equality means "nothing to write". */
const normalized = <D>(doc: D): D => JSON.parse(JSON.stringify(doc)) as D;

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

/**
 * One event's result: its mark (this commit's or the one an earlier attempt committed) is
 * what it did; without a mark it changed nothing (a duplicate).
 */
function resultOf<D>(outcome: EventOutcome, mark: FeedMark | undefined, doc: D): ApplyResult<D> {
  if (!mark) return { eventId: outcome.eventId, outcome: 'duplicate', doc };
  const result: ApplyResult<D> = { eventId: outcome.eventId, outcome: mark.outcome, seq: mark.seq, doc };
  const beatenBy = mark.beatenBy ?? outcome.beatenBy;
  if (beatenBy && mark.outcome === 'stale') result.beatenBy = beatenBy;
  return result;
}

/** The stored document after a fold: state and feed, or null when neither changed. */
function nextDoc<D>(stored: Stored<D> | null, after: D, feed: FeedState, advanced: boolean): Stored<D> | null {
  if (stored && !advanced && isDeepStrictEqual(normalized(stateOf(stored)), normalized(after))) return null;
  return { ...after, feed };
}

export async function applyStatusBatch(
  writer: EntityWriter,
  batch: readonly Envelope<StatusEvent>[],
): Promise<ApplyResult<MessageDoc>[]> {
  const results: ApplyResult<MessageDoc>[] = new Array(batch.length);
  const writes = groupBy(batch, (e) => e.event.wamid).map(async (group) => {
    const envelopes = group.map((g) => g.envelope);
    await writer.commitMessage(envelopes[0]!.event.wamid, async (stored) => {
      const folded = foldStatuses(stored && stateOf(stored), envelopes);
      const marked = markFeed(stored?.feed, folded.outcomes);
      group.forEach((g, i) => {
        results[g.index] = resultOf(folded.outcomes[i]!, marked.marks[i], folded.after!);
      });
      return nextDoc(stored, folded.after!, marked.feed, marked.advanced);
    });
  });
  await Promise.all(writes);
  return results;
}

const conversationOfEvent = (e: Envelope<MessageEvent>): string => `${e.event.phoneNumberId}\u0000${e.event.userKey}`;

/**
 * Message events write two entities: the conversation (outcomes and feed entries come from
 * it) and the inbound record into the message doc of the wamid (so a status that came
 * first is joined, not overwritten). A conversation keeps only its latest message, so an
 * older one seen again reads as stale again: unless an attempt's mark says what it did,
 * the event log decides whether it is a re-send (a duplicate) or news (late).
 */
export async function applyMessageBatch(
  writer: EntityWriter,
  batch: readonly Envelope<MessageEvent>[],
): Promise<MessageApplyResult[]> {
  const conversations = new Map<number, ApplyResult<ConversationDoc>>();
  const messages = new Map<string, MessageDoc>();
  const conversationWrites = groupBy(batch, conversationOfEvent).map(async (group) => {
    const envelopes = group.map((g) => g.envelope);
    const { phoneNumberId, userKey } = envelopes[0]!.event;
    await writer.commitConversation(phoneNumberId, userKey, async (stored) => {
      const folded = foldMessages(stored && stateOf(stored), envelopes);
      const held = new Set(stored?.feed?.recent.map((m) => m.eventId));
      const maybeResent = folded.outcomes.filter((o) => o.outcome !== 'applied' && o.outcome !== 'duplicate' && !held.has(o.eventId));
      const resent = maybeResent.length ? await writer.logged(maybeResent.map((o) => o.eventId)) : new Set<string>();
      const outcomes = folded.outcomes.map((o): EventOutcome => (resent.has(o.eventId) ? { eventId: o.eventId, outcome: 'duplicate' } : o));
      const marked = markFeed(stored?.feed, outcomes);
      group.forEach((g, i) => {
        conversations.set(g.index, resultOf(outcomes[i]!, marked.marks[i], folded.after!));
      });
      return nextDoc(stored, folded.after!, marked.feed, marked.advanced);
    });
  });
  const messageWrites = groupBy(batch, (e) => e.event.wamid).map(async (group) => {
    const delta = group.map((g) => inboundOf(g.envelope)).reduce(joinMessageDocs);
    await writer.commitMessage(delta.wamid, async (stored) => {
      const after = stored ? joinMessageDocs(stateOf(stored), delta) : delta;
      messages.set(delta.wamid, after);
      // The message doc's feed counts status changes; an inbound record is no entry of its own.
      return nextDoc(stored, after, stored?.feed ?? { seq: 0, recent: [] }, false);
    });
  });
  await Promise.all([...conversationWrites, ...messageWrites]);

  return batch.map((envelope, index) => ({ ...conversations.get(index)!, message: messages.get(envelope.event.wamid)! }));
}

/**
 * Field events, per business: each new one is a change (`applied`) numbered in the
 * business's feed; one seen before (its mark, or its log row for a re-send past the marks)
 * is what it was.
 */
export async function applyFieldBatch(writer: EntityWriter, batch: readonly FieldEnvelope[]): Promise<ApplyResult<BusinessDoc>[]> {
  const results: ApplyResult<BusinessDoc>[] = new Array(batch.length);
  const writes = groupBy(batch, (e) => businessIdOf(e.event)).map(async (group) => {
    const envelopes = group.map((g) => g.envelope);
    await writer.commitBusiness(businessIdOf(envelopes[0]!.event), async (stored) => {
      const before = stored && stateOf(stored);
      const after = envelopes.map(businessDocOf).reduce(joinBusinessDocs, before ?? businessDocOf(envelopes[0]!));
      const held = new Set(stored?.feed?.recent.map((m) => m.eventId));
      const unknown = envelopes.map((e) => e.event.id).filter((id) => !held.has(id));
      const resent = unknown.length ? await writer.logged(unknown) : new Set<string>();
      const outcomes = envelopes.map((e): EventOutcome => ({ eventId: e.event.id, outcome: resent.has(e.event.id) ? 'duplicate' : 'applied' }));
      const marked = markFeed(stored?.feed, outcomes);
      group.forEach((g, i) => {
        results[g.index] = resultOf(outcomes[i]!, marked.marks[i], after);
      });
      return nextDoc(stored, after, marked.feed, marked.advanced);
    });
  });
  await Promise.all(writes);
  return results;
}

/** The apply half of StateStore, the same in every adapter: each batch committed through the adapter's EntityWriter. */
export abstract class BatchApplier {
  protected abstract readonly writer: EntityWriter;

  applyStatuses(batch: Envelope<StatusEvent>[]): Promise<ApplyResult<MessageDoc>[]> {
    return applyStatusBatch(this.writer, batch);
  }

  applyMessages(batch: Envelope<MessageEvent>[]): Promise<MessageApplyResult[]> {
    return applyMessageBatch(this.writer, batch);
  }

  applyFields(batch: FieldEnvelope[]): Promise<ApplyResult<BusinessDoc>[]> {
    return applyFieldBatch(this.writer, batch);
  }
}
