// After the run: the store's documents against the reference join, and the event log's
// outcomes for every event sent.
import type { Outcome } from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import type { Scenario } from './scenario.ts';
import { compareConversation, compareMessage, type Expected, type Mismatch } from './verify.ts';

export interface CheckResult {
  messagesChecked: number;
  conversationsChecked: number;
  mismatches: Mismatch[];
  outcomes: Record<Outcome, number>;
  /** Event ids sent and accepted that the event log does not have. */
  missingFromLog: string[];
  /** A wamid whose timeline shows an inversion (a stale status), to try `wamesh trace` on. */
  invertedWamid?: string;
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (i < items.length) await work(items[i++]!);
    }),
  );
}

export async function checkStore(store: StateStore, scenario: Scenario, expected: Expected): Promise<CheckResult> {
  const mismatches: Mismatch[] = [];
  await pool([...expected.messages], 16, async ([wamid, doc]) => {
    const m = compareMessage(wamid, doc, await store.getMessage(wamid));
    if (m) mismatches.push(m);
  });
  await pool([...expected.conversations], 16, async ([id, doc]) => {
    const m = compareConversation(id, doc, await store.getConversation(doc.phoneNumberId, doc.userKey));
    if (m) mismatches.push(m);
  });

  const outcomes: Record<Outcome, number> = { applied: 0, merged: 0, stale: 0, duplicate: 0 };
  const seen = new Set<string>();
  let invertedWamid: string | undefined;
  const collect = async (key: string) => {
    for (const entry of await store.timeline(key)) {
      if (!expected.eventIds.has(entry.eventId) || seen.has(entry.eventId)) continue;
      seen.add(entry.eventId);
      outcomes[entry.outcome]++;
      if (entry.outcome === 'stale' && entry.kind === 'status' && invertedWamid === undefined) invertedWamid = entry.wamid;
    }
  };
  // A user's timeline holds their messages and the statuses of what was sent to them, so
  // one read per conversation usually finds every event; wamids are asked only for the rest.
  await pool(scenario.waIds, 8, collect);
  const unseenWamids = [...expected.messages.keys()].filter((wamid) => {
    const doc = expected.messages.get(wamid)!;
    const ids = [...Object.values(doc.facts).map((f) => f.eventId), ...(doc.inbound ? [doc.inbound.eventId] : [])];
    return ids.some((id) => !seen.has(id));
  });
  await pool(unseenWamids, 8, collect);
  const missingFromLog = [...expected.eventIds].filter((id) => !seen.has(id));
  const result: CheckResult = {
    messagesChecked: expected.messages.size,
    conversationsChecked: expected.conversations.size,
    mismatches,
    outcomes,
    missingFromLog,
  };
  if (invertedWamid) result.invertedWamid = invertedWamid;
  return result;
}

