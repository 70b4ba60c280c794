// Lattice laws and convergence, checked with fast-check over small universes (few
// timestamps, few wamids) so ties, duplicates and inversions are common.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMessage, conversationOf, joinConversations } from './conversation.ts';
import { foldMessages, foldStatuses } from './fold.ts';
import { applyStatus, inboundOf, joinMessageDocs, messageDocOf, statusRank } from './message-doc.ts';
import { messageEnv, statusEnv } from './test-support.ts';
import type { ConversationDoc, Envelope, MessageDoc, MessageEvent, StatusEvent } from './types.ts';

const STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'warning'];
const region = fc.constantFrom('eu', 'us', 'ap');
const traceparent = fc.option(fc.constantFrom('00-a-1-01', '00-b-2-01'), { nil: undefined });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Distinct status events of one wamid; the same id always carries the same content. */
const statusUniverse = fc.uniqueArray(
  fc.record({
    status: fc.constantFrom(...STATUSES),
    ts: fc.integer({ min: 1000, max: 1005 }),
    recipient: fc.constantFrom('r1', 'r2'),
    region,
    traceparent,
    pricing: maybe(fc.record({ category: fc.constantFrom('utility', 'marketing') })),
    conversation: maybe(fc.record({ id: fc.constantFrom('c1', 'c2') })),
    errors: maybe(fc.constant<unknown[]>([{ code: 131026 }])),
  }),
  { minLength: 1, maxLength: 9, selector: (s) => `${s.status}|${s.ts}|${s.recipient}` },
).map((specs) =>
  specs.map((s) => {
    const extra: Parameters<typeof statusEnv>[0]['extra'] = {};
    if (s.pricing) extra.pricing = s.pricing;
    if (s.conversation) extra.conversation = s.conversation;
    if (s.errors) extra.errors = s.errors;
    return statusEnv({ status: s.status, ts: s.ts, recipient: s.recipient, region: s.region, traceparent: s.traceparent, extra });
  }),
);

/** Distinct inbound messages of one conversation (a wamid is one event). */
const messageUniverse = fc
  .uniqueArray(
    fc.record({
      wamid: fc.constantFrom('wamid.A', 'wamid.B', 'wamid.C', 'wamid.D', 'wamid.E'),
      ts: fc.integer({ min: 1000, max: 1003 }),
      region,
      traceparent,
      contactName: maybe(fc.constantFrom('Ana', 'Bo')),
    }),
    { minLength: 1, maxLength: 5, selector: (m) => m.wamid },
  )
  .map((specs) => specs.map((m) => messageEnv(m)));

/** The same event received again, possibly by another region's ingress (new meta). */
function redelivered<E extends StatusEvent | MessageEvent>(
  universe: fc.Arbitrary<Envelope<E>[]>,
): fc.Arbitrary<{ universe: Envelope<E>[]; all: Envelope<E>[]; stream: Envelope<E>[] }> {
  return universe.chain((events) =>
    fc
      .array(fc.record({ index: fc.nat(events.length - 1), region, traceparent }), { maxLength: 6 })
      .chain((dups) => {
        const copies = dups.map(({ index, region, traceparent }) => {
          const meta: Envelope['meta'] = { region, receivedAt: 0 };
          if (traceparent !== undefined) meta.traceparent = traceparent;
          return { event: events[index]!.event, meta };
        });
        const all = [...events, ...copies];
        return fc.shuffledSubarray(all, { minLength: all.length }).map((stream) => ({ universe: events, all, stream }));
      }),
  );
}

function foldApply<D, E extends StatusEvent | MessageEvent>(
  stream: Envelope<E>[],
  apply: (doc: D | null, e: Envelope<E>) => { doc: D },
): D {
  let doc: D | null = null;
  for (const e of stream) doc = apply(doc, e).doc;
  return doc!;
}

/** Three documents built from subsets of one universe (docs of one entity). */
function threeDocs<E extends StatusEvent | MessageEvent, D>(
  universe: fc.Arbitrary<Envelope<E>[]>,
  docOf: (e: Envelope<E>) => D,
  join: (a: D, b: D) => D,
): fc.Arbitrary<[D, D, D]> {
  return universe.chain((events) => {
    const subset = fc.subarray(events, { minLength: 1 }).map((s) => s.map(docOf).reduce(join));
    return fc.tuple(subset, subset, subset);
  });
}

const withInbound = statusUniverse.chain((statuses) =>
  fc.boolean().map((hasInbound) => ({ statuses, hasInbound })),
);

function messageDocs(): fc.Arbitrary<[MessageDoc, MessageDoc, MessageDoc]> {
  return withInbound.chain(({ statuses, hasInbound }) => {
    const docs: MessageDoc[] = statuses.map(messageDocOf);
    if (hasInbound) docs.push(inboundOf(messageEnv({ wamid: 'wamid.OUT1', ts: 999 })));
    const subset = fc.subarray(docs, { minLength: 1 }).map((s) => s.reduce(joinMessageDocs));
    return fc.tuple(subset, subset, subset);
  });
}

describe('lattice - message doc join', () => {
  it('is commutative', () => {
    fc.assert(fc.property(messageDocs(), ([a, b]) => {
      expect(joinMessageDocs(a, b)).toEqual(joinMessageDocs(b, a));
    }));
  });

  it('is associative', () => {
    fc.assert(
      fc.property(messageDocs(), ([a, b, c]) => {
        expect(joinMessageDocs(joinMessageDocs(a, b), c)).toEqual(joinMessageDocs(a, joinMessageDocs(b, c)));
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(fc.property(messageDocs(), ([a]) => {
      expect(joinMessageDocs(a, a)).toEqual(a);
    }));
  });

  it('is commutative for the same event received in two regions', () => {
    fc.assert(
      fc.property(statusUniverse, region, region, (events, r1, r2) => {
        const e = events[0]!;
        const a = messageDocOf({ event: e.event, meta: { region: r1, receivedAt: 1 } });
        const b = messageDocOf({ event: e.event, meta: { region: r2, receivedAt: 2 } });
        expect(joinMessageDocs(a, b)).toEqual(joinMessageDocs(b, a));
      }),
    );
  });
});

describe('lattice - status convergence', () => {
  it('every permutation with duplicates converges to the same document (applyStatus and join)', () => {
    fc.assert(
      fc.property(redelivered(statusUniverse), ({ all, stream }) => {
        const reference = foldApply(all, applyStatus);
        expect(foldApply(stream, applyStatus)).toEqual(reference);
        expect(stream.map(messageDocOf).reduce(joinMessageDocs)).toEqual(reference);
        expect(foldStatuses(null, stream).delta).toEqual(reference);
      }),
    );
  });

  it('never masks failed, and otherwise holds the highest known status seen', () => {
    fc.assert(
      fc.property(redelivered(statusUniverse), ({ stream }) => {
        const doc = foldApply(stream, applyStatus);
        const seen = stream.map((e) => e.event.status);
        if (seen.includes('failed')) expect(doc.status).toBe('failed');
        const best = Math.max(0, ...seen.map(statusRank));
        expect(doc.rank).toBe(best);
        expect(doc.status === null ? 0 : statusRank(doc.status)).toBe(best);
      }),
    );
  });

  it('never loses a timestamp: statusAt holds the earliest of every status, at every step', () => {
    fc.assert(
      fc.property(redelivered(statusUniverse), ({ stream }) => {
        let doc: MessageDoc | null = null;
        const earliest: Record<string, number> = {};
        for (const envelope of stream) {
          const { status, timestamp } = envelope.event;
          earliest[status] = Math.min(earliest[status] ?? Number.POSITIVE_INFINITY, timestamp);
          doc = applyStatus(doc, envelope).doc;
          expect(doc.statusAt).toEqual(earliest);
        }
      }),
    );
  });

  it('classifies consistently: only applied raises the rank; stale names the current status', () => {
    fc.assert(
      fc.property(redelivered(statusUniverse), ({ stream }) => {
        let doc: MessageDoc | null = null;
        for (const envelope of stream) {
          const before = doc;
          const result = applyStatus(doc, envelope);
          doc = result.doc;
          const rose = doc.rank > (before?.rank ?? 0);
          expect(result.outcome === 'applied').toBe(rose);
          if (result.outcome === 'stale') {
            expect(result.beatenBy?.eventId).toBe(before!.facts[before!.status!]!.eventId);
            expect(statusRank(envelope.event.status)).toBeLessThan(before!.rank);
          }
          if (result.outcome === 'duplicate') expect(doc.statusAt).toEqual(before!.statusAt);
        }
      }),
    );
  });

  it('a batch fold lands on the join of the before-image and the delta', () => {
    fc.assert(
      fc.property(redelivered(statusUniverse), fc.nat(), ({ stream }, cut) => {
        const split = cut % (stream.length + 1);
        const before = split === 0 ? null : foldApply(stream.slice(0, split), applyStatus);
        const folded = foldStatuses(before, stream.slice(split));
        const expected = before && folded.delta ? joinMessageDocs(before, folded.delta) : (before ?? folded.delta);
        expect(folded.after).toEqual(expected);
        expect(folded.outcomes).toHaveLength(stream.length - split);
      }),
    );
  });
});

describe('lattice - conversation join', () => {
  const docs = () => threeDocs(messageUniverse, conversationOf, joinConversations);

  it('is commutative', () => {
    fc.assert(fc.property(docs(), ([a, b]) => {
      expect(joinConversations(a, b)).toEqual(joinConversations(b, a));
    }));
  });

  it('is associative', () => {
    fc.assert(
      fc.property(docs(), ([a, b, c]) => {
        expect(joinConversations(joinConversations(a, b), c)).toEqual(joinConversations(a, joinConversations(b, c)));
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(fc.property(docs(), ([a]) => {
      expect(joinConversations(a, a)).toEqual(a);
    }));
  });
});

describe('lattice - conversation convergence', () => {
  it('every permutation with duplicates converges to the same document (applyMessage and join)', () => {
    fc.assert(
      fc.property(redelivered(messageUniverse), ({ all, stream }) => {
        const reference = foldApply<ConversationDoc, MessageEvent>(all, applyMessage);
        expect(foldApply<ConversationDoc, MessageEvent>(stream, applyMessage)).toEqual(reference);
        expect(stream.map(conversationOf).reduce(joinConversations)).toEqual(reference);
        expect(foldMessages(null, stream).delta).toEqual(reference);
      }),
    );
  });

  it('ends at the latest (timestamp, wamid), ambiguous exactly when its second is shared', () => {
    fc.assert(
      fc.property(redelivered(messageUniverse), ({ universe, stream }) => {
        const doc = foldApply<ConversationDoc, MessageEvent>(stream, applyMessage);
        const top = Math.max(...universe.map((e) => e.event.timestamp));
        const atTop = universe.filter((e) => e.event.timestamp === top).map((e) => e.event.wamid).sort();
        expect(doc.last.timestamp).toBe(top);
        expect(doc.last.wamid).toBe(atTop.at(-1));
        expect(doc.ambiguous).toBe(atTop.length > 1);
      }),
    );
  });

  it('calls a message stale only when strictly older than the last one', () => {
    fc.assert(
      fc.property(redelivered(messageUniverse), ({ stream }) => {
        let doc: ConversationDoc | null = null;
        for (const envelope of stream) {
          const result = applyMessage(doc, envelope);
          const older = doc !== null && envelope.event.timestamp < doc.last.timestamp;
          expect(result.outcome === 'stale').toBe(older);
          doc = result.doc;
        }
      }),
    );
  });
});
