// What a consumer does with one fetched batch: apply statuses and messages (at once, so a
// status and an inbound record of the same wamid race on its document), then log every event.
import { type Envelope, type EventLogEntry, logEntryOf, type WaEvent } from '@wamesh/core';
import { expect } from 'vitest';
import type { ApplyResult, LogAppendResult, StateStore } from '../types.ts';
import { isMessage, isStatus } from './arbitraries.ts';

export interface Delivered {
  /** One per envelope, in batch order. */
  results: ApplyResult<unknown>[];
  log: LogAppendResult;
  /** The rows this delivery logged (inserted), in batch order. */
  logged: EventLogEntry[];
}

export async function deliver(store: StateStore, batch: readonly Envelope<WaEvent>[]): Promise<Delivered> {
  const statuses = batch.filter(isStatus);
  const messages = batch.filter(isMessage);
  const [statusResults, messageResults] = await Promise.all([
    statuses.length ? store.applyStatuses(statuses) : [],
    messages.length ? store.applyMessages(messages) : [],
  ]);
  let s = 0;
  let m = 0;
  const results: ApplyResult<unknown>[] = batch.map((e) => (isStatus(e) ? statusResults[s++]! : messageResults[m++]!));
  const entries = batch.map((e, i) => logEntryOf(e, { ...results[i]!, document: results[i]!.doc }, Date.now()));
  const log = await store.appendLog(entries);
  const inserted = new Set(log.inserted);
  const logged = entries.filter((e) => inserted.has(e.eventId) && inserted.delete(e.eventId));
  return { results, log, logged };
}

/** Delivers batches one after another; results flattened in arrival order. */
export async function deliverAll(store: StateStore, batches: readonly Envelope<WaEvent>[][]): Promise<Delivered> {
  const all: Delivered = { results: [], log: { inserted: [], duplicates: [] }, logged: [] };
  for (const batch of batches) {
    const d = await deliver(store, batch);
    all.results.push(...d.results);
    all.log.inserted.push(...d.log.inserted);
    all.log.duplicates.push(...d.log.duplicates);
    all.logged.push(...d.logged);
  }
  return all;
}

/**
 * The feed's promise, over everything logged: per key, the sequence numbers are 1, 2, … n,
 * each once (no gap a reader would wait on, no number given twice), and only changes have one.
 */
export function expectGaplessFeed(logged: readonly EventLogEntry[]): void {
  const byKey = new Map<string, number[]>();
  for (const row of logged) {
    if (row.seq === undefined) {
      expect(row.outcome, `${row.eventId} has no feed entry`).toBe('duplicate');
      continue;
    }
    expect(row.outcome, `${row.eventId} is a change`).not.toBe('duplicate');
    byKey.set(row.feedKey!, [...(byKey.get(row.feedKey!) ?? []), row.seq]);
  }
  for (const [key, seqs] of byKey) {
    expect([...seqs].sort((a, b) => a - b), key).toEqual(seqs.map((_, i) => i + 1));
  }
}
