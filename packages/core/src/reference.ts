// The reference join: what the state must be after a set of events, whatever their order,
// batching and duplicates (the joins are a lattice, so folding them in memory in any order
// gives it). The store contract, the consumer tests and `wamesh simulate` compare with it.
import { conversationOf, joinConversations } from './conversation.ts';
import { inboundOf, joinMessageDocs, messageDocOf } from './message-doc.ts';
import type { ConversationDoc, Envelope, MessageDoc, WaEvent } from './types.ts';

export interface ReferenceState {
  /** By wamid. */
  messages: Map<string, MessageDoc>;
  /** By `${phoneNumberId}/${userKey}`. */
  conversations: Map<string, ConversationDoc>;
}

function joinInto<D>(map: Map<string, D>, key: string, doc: D, join: (a: D, b: D) => D): void {
  const held = map.get(key);
  map.set(key, held ? join(held, doc) : doc);
}

/** Every event's own document joined into its entity's: statuses and inbound records by wamid, messages by conversation. */
export function referenceState(envelopes: readonly Envelope<WaEvent>[]): ReferenceState {
  const state: ReferenceState = { messages: new Map(), conversations: new Map() };
  for (const envelope of envelopes) {
    const { event } = envelope;
    if (event.kind === 'status') {
      joinInto(state.messages, event.wamid, messageDocOf(envelope as Envelope<typeof event>), joinMessageDocs);
    } else {
      const own = envelope as Envelope<typeof event>;
      joinInto(state.messages, event.wamid, inboundOf(own), joinMessageDocs);
      joinInto(state.conversations, `${event.phoneNumberId}/${event.userKey}`, conversationOf(own), joinConversations);
    }
  }
  return state;
}
