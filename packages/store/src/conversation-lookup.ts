import { type ConversationDoc, compareWinners } from '@wamesh/core';

/**
 * A conversation found by any identifier: the one keyed by it, or the one that saw it.
 * Both exist in a deployment that keyed by wa_id before BSUIDs arrived (the old document
 * under the wa_id, the new one under the BSUID): the one with the later message wins.
 */
export function latestConversation(a: ConversationDoc | null, b: ConversationDoc | null): ConversationDoc | null {
  if (!a || !b) return a ?? b;
  const order = a.last.timestamp - b.last.timestamp || compareWinners(a.last, b.last);
  return order >= 0 ? a : b;
}
