// Order and duplicates must not matter: random arrivals, and two writers racing.
import {
  type Envelope,
  type EventLogEntry,
  feedKindOf,
  type Outcome,
  referenceState,
  seededRandom,
  shuffled,
  statusRank,
  type WaEvent,
} from '@wamesh/core';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { StateStore } from '../types.ts';
import { arrivalArb, arrivalsOf, batchesOf, envelopesOf } from './arbitraries.ts';
import type { ContractContext } from './context.ts';
import { deliver, deliverAll, expectGaplessFeed } from './deliver.ts';
import { raceWorkload } from './race.ts';

export interface PropertyOptions {
  /** fast-check runs of the random-arrival property (default 12). */
  propertyRuns?: number;
  /** Distinct events in the two-writer race (default 2000); each writer applies all of them. */
  raceEvents?: number;
}

/** The store holds exactly core's reference join of `events`. */
async function expectReferenceState(store: StateStore, events: readonly Envelope<WaEvent>[]): Promise<void> {
  const want = referenceState(events);
  for (const [wamid, doc] of want.messages) expect(await store.getMessage(wamid)).toEqual(doc);
  for (const doc of want.conversations.values()) {
    expect(await store.getConversation(doc.phoneNumberId, doc.userKey)).toEqual(doc);
  }
}

/**
 * What the feed tells an app, read in sequence order per key: a message's `status.advanced`
 * entries climb the ladder strictly (never a regression), and a conversation's last
 * `message.received` is its stored latest message (the same second, and the same message
 * unless a same-second tie made the conversation ambiguous).
 */
async function expectFeedFollowsState(store: StateStore, logged: readonly EventLogEntry[]): Promise<void> {
  const bySeq = [...logged].filter((r) => r.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
  const keys = new Set(bySeq.map((r) => r.feedKey!));
  for (const key of keys) {
    const rows = bySeq.filter((r) => r.feedKey === key);
    const kinds = rows.map((r) => ({ row: r, kind: feedKindOf(r.kind, r.outcome as Exclude<Outcome, 'duplicate'>) }));
    if (rows[0]!.kind === 'status') {
      const ranks = kinds.filter((k) => k.kind === 'status.advanced').map((k) => statusRank(k.row.status!));
      for (let i = 1; i < ranks.length; i++) expect(ranks[i], `${key} advanced`).toBeGreaterThan(ranks[i - 1]!);
      continue;
    }
    const received = kinds.filter((k) => k.kind === 'message.received').map((k) => k.row);
    const last = received[received.length - 1];
    const conversation = await store.getConversation(rows[0]!.phoneNumberId, rows[0]!.userKey!);
    if (!last) continue;
    expect(last.timestamp, `${key} last received`).toBe(conversation!.last.timestamp);
    if (!conversation!.ambiguous) expect(last.wamid, `${key} last received`).toBe(conversation!.last.wamid);
  }
}

export function properties(ctx: ContractContext, opts: PropertyOptions): void {
  it('random arrivals with duplicates, in random batches, equal core’s reference join', async () => {
    const store = await ctx.fresh();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arrivalArb(24), async ({ specs, order, batches }) => {
        const events = envelopesOf(specs, `r${run++}x`);
        const arrival = arrivalsOf(events, order);
        const { results, log, logged } = await deliverAll(store, batchesOf(arrival, batches));
        await expectReferenceState(store, arrival);
        // An event seen again reports what its first commit did, with the same feed number
        // (it changes nothing: the log calls it a duplicate); a stale event names its winner.
        const first = new Map<string, (typeof results)[number]>();
        results.forEach((r, i) => {
          const { id } = arrival[i]!.event;
          const earlier = first.get(id);
          if (earlier) expect([r.outcome, r.seq], `${id} again`).toEqual([earlier.outcome, earlier.seq]);
          if (r.outcome === 'stale') expect(r.beatenBy?.eventId, `${id} stale`).toBeTypeOf('string');
          if (!earlier) first.set(id, r);
        });
        expectGaplessFeed(logged);
        await expectFeedFollowsState(store, logged);
        expect(new Set(log.inserted)).toEqual(new Set(events.map((e) => e.event.id)));
        expect(log.inserted.length).toBe(new Set(log.inserted).size);
      }),
      { numRuns: opts.propertyRuns ?? 12 },
    );
  });

  it('two writers (two regions, two connections) racing on the same keys end in the join, each event logged once', async () => {
    const ns = ctx.ns();
    const [a, b] = [await ctx.open(ns), await ctx.open(ns)];
    const { events, wamids, waIds } = raceWorkload(opts.raceEvents ?? 2000, 'rc', 7);
    // Each region sees every event, in its own order and batching, at the same time.
    const random = seededRandom(11);
    const [da, db] = await Promise.all([
      deliverAll(a, batchesOf(shuffled(events, random), [64, 17, 40])),
      deliverAll(b, batchesOf(shuffled(events, random), [23, 64, 5])),
    ]);
    await expectReferenceState(a, events);
    await expectReferenceState(b, events);

    const inserted = [...da.log.inserted, ...db.log.inserted];
    expect(inserted.length).toBe(events.length);
    expect(new Set(inserted)).toEqual(new Set(events.map((e) => e.event.id)));
    // Both writers report the one commit of each event (same outcome, same feed number), and
    // the feed numbers of each key, whichever writer logged them, run 1…n without a gap.
    const committed = new Map<string, unknown>();
    for (const r of [...da.results, ...db.results]) {
      if (r.seq === undefined) continue;
      const held = committed.get(r.eventId);
      if (held) expect([r.outcome, r.seq], r.eventId).toEqual(held);
      committed.set(r.eventId, [r.outcome, r.seq]);
    }
    expectGaplessFeed([...da.logged, ...db.logged]);

    for (const wamid of wamids) {
      const timeline = await a.timeline(wamid);
      const want = events.filter((e) => e.event.wamid === wamid).length;
      expect(timeline).toHaveLength(want);
      const keys = timeline.map((e) => [e.timestamp, e.receivedAt]);
      expect(keys).toEqual([...keys].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!));
    }
    const byUser = await b.timeline(waIds[0]!);
    expect(new Set(byUser.map((e) => e.eventId)).size).toBe(byUser.length);
  });

  it('a store reopened on the same namespace sees the state and keeps joining into it', async () => {
    const ns = ctx.ns();
    const first = await ctx.open(ns);
    const { events } = raceWorkload(60, 'ro', 3);
    const before = await deliver(first, events.slice(0, 30));
    await first.close();
    const second = await ctx.open(ns);
    await second.init();
    const { results, log, logged } = await deliver(second, events);
    const numbers = (rs: typeof results) => rs.map((r) => [r.eventId, r.outcome, r.seq]);
    expect(numbers(results.slice(0, 30))).toEqual(numbers(before.results));
    expect(log.duplicates).toEqual(events.slice(0, 30).map((e) => e.event.id));
    expectGaplessFeed([...before.logged, ...logged]);
    await expectReferenceState(second, events);
  });
}
