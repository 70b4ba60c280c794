// The reference: core's joins folded over what was sent, compared with what the store holds.
// Which region's copy of a duplicate landed first and which trace carried it are not
// decided by what was sent, so region and traceparent are left out of the comparison.
import { isDeepStrictEqual } from 'node:util';
import {
  type ConversationDoc,
  type Envelope,
  type MessageDoc,
  sequencedEvents,
  type ReferenceState,
  referenceState,
} from '@wamesh/core';
import type { Scenario } from './scenario.ts';

export interface Expected extends ReferenceState {
  /** Every event id sent, by kind, for the tally. */
  eventIds: Set<string>;
}

/** The documents the store must end with, given which webhooks were accepted. */
export function expectedState(scenario: Scenario, accepted: ReadonlySet<number>, shards: number): Expected {
  const envelopes: Envelope[] = [];
  const meta = { region: 'sim', receivedAt: 0 };
  for (const w of scenario.webhooks) {
    if (!accepted.has(w.seq)) continue;
    for (const event of sequencedEvents(JSON.parse(w.body), shards)) envelopes.push({ event, meta });
  }
  return { ...referenceState(envelopes), eventIds: new Set(envelopes.map((e) => e.event.id)) };
}

const omitWhere = ({ region: _r, traceparent: _t, ...rest }: { region: string; traceparent?: string }) => rest;

/** The part of a message document that what was sent decides. */
export function comparableMessage(doc: MessageDoc): unknown {
  const facts = Object.fromEntries(Object.entries(doc.facts).map(([k, f]) => [k, omitWhere(f)]));
  const out: Record<string, unknown> = {
    wamid: doc.wamid,
    phoneNumberId: doc.phoneNumberId,
    status: doc.status,
    rank: doc.rank,
    statusAt: doc.statusAt,
    facts,
  };
  if (doc.inbound) out.inbound = omitWhere(doc.inbound);
  return JSON.parse(JSON.stringify(out));
}

export function comparableConversation(doc: ConversationDoc): unknown {
  return JSON.parse(
    JSON.stringify({ phoneNumberId: doc.phoneNumberId, userKey: doc.userKey, ids: doc.ids, last: omitWhere(doc.last), ambiguous: doc.ambiguous }),
  );
}

export interface Mismatch {
  what: string;
  expected: unknown;
  actual: unknown;
}

export function compareMessage(wamid: string, expected: MessageDoc, actual: MessageDoc | null): Mismatch | null {
  const want = comparableMessage(expected);
  const have = actual ? comparableMessage(actual) : null;
  return isDeepStrictEqual(want, have) ? null : { what: `message ${wamid}`, expected: want, actual: have };
}

export function compareConversation(id: string, expected: ConversationDoc, actual: ConversationDoc | null): Mismatch | null {
  const want = comparableConversation(expected);
  const have = actual ? comparableConversation(actual) : null;
  return isDeepStrictEqual(want, have) ? null : { what: `conversation ${id}`, expected: want, actual: have };
}
