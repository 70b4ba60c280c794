// What the store must hold after a set of events: core's joins, folded in memory.
import {
  type ConversationDoc,
  conversationOf,
  type Envelope,
  type EventLogEntry,
  inboundOf,
  joinConversations,
  joinMessageDocs,
  type MessageDoc,
  messageDocOf,
  type WaEvent,
} from '@wamesh/core';
import type { ApplyResult } from '../types.ts';

export interface ReferenceState {
  messages: Map<string, MessageDoc>;
  /** By `${phoneNumberId} ${waId}`. */
  conversations: Map<string, ConversationDoc>;
}

export const conversationRef = (phoneNumberId: string, waId: string): string => `${phoneNumberId} ${waId}`;

function joinInto<D>(map: Map<string, D>, key: string, doc: D, join: (a: D, b: D) => D): void {
  const held = map.get(key);
  map.set(key, held ? join(held, doc) : doc);
}

export function referenceState(envelopes: readonly Envelope<WaEvent>[]): ReferenceState {
  const state: ReferenceState = { messages: new Map(), conversations: new Map() };
  for (const envelope of envelopes) {
    const { event } = envelope;
    if (event.kind === 'status') {
      joinInto(state.messages, event.wamid, messageDocOf(envelope as Envelope<typeof event>), joinMessageDocs);
    } else {
      const own = envelope as Envelope<typeof event>;
      joinInto(state.messages, event.wamid, inboundOf(own), joinMessageDocs);
      joinInto(state.conversations, conversationRef(event.phoneNumberId, event.waId), conversationOf(own), joinConversations);
    }
  }
  return state;
}

/** The log row the consumer would write for an applied event. */
export function logEntryOf(envelope: Envelope<WaEvent>, result: Pick<ApplyResult<unknown>, 'outcome' | 'beatenBy'>): EventLogEntry {
  const { event, meta } = envelope;
  const entry: EventLogEntry = {
    eventId: event.id,
    kind: event.kind,
    key: event.key,
    wamid: event.wamid,
    waId: event.kind === 'msg' ? event.waId : event.recipientId,
    phoneNumberId: event.phoneNumberId,
    timestamp: event.timestamp,
    region: meta.region,
    receivedAt: meta.receivedAt,
    appliedAt: Date.now(),
    outcome: result.outcome,
  };
  if (event.kind === 'status') entry.status = event.status;
  else entry.type = event.type;
  if (meta.traceparent !== undefined) entry.traceparent = meta.traceparent;
  if (result.beatenBy) entry.beatenBy = result.beatenBy;
  return entry;
}
