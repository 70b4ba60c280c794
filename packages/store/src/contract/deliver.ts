// What a consumer does with one fetched batch: apply statuses and messages (at once, so a
// status and an inbound record of the same wamid race on its document), then log every event.
import { type Envelope, logEntryOf, type WaEvent } from '@wamesh/core';
import type { ApplyResult, LogAppendResult, StateStore } from '../types.ts';
import { isMessage, isStatus } from './arbitraries.ts';

export interface Delivered {
  /** One per envelope, in batch order. */
  results: ApplyResult<unknown>[];
  log: LogAppendResult;
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
  const log = await store.appendLog(batch.map((e, i) => logEntryOf(e, results[i]!, Date.now())));
  return { results, log };
}

/** Delivers batches one after another; results flattened in arrival order. */
export async function deliverAll(store: StateStore, batches: readonly Envelope<WaEvent>[][]): Promise<Delivered> {
  const all: Delivered = { results: [], log: { inserted: [], duplicates: [] } };
  for (const batch of batches) {
    const d = await deliver(store, batch);
    all.results.push(...d.results);
    all.log.inserted.push(...d.log.inserted);
    all.log.duplicates.push(...d.log.duplicates);
  }
  return all;
}
