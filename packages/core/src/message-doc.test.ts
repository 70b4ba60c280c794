import { describe, expect, it } from 'vitest';
import { foldStatuses } from './fold.ts';
import {
  applyStatus,
  inboundOf,
  joinMessageDocs,
  messageDocOf,
  messageView,
  statusRank,
} from './message-doc.ts';
import { messageEnv, statusEnv } from './test-support.ts';
import type { Envelope, MessageDoc, StatusEvent } from './types.ts';

function applyAll(envelopes: Envelope<StatusEvent>[]) {
  let doc: MessageDoc | null = null;
  const outcomes: string[] = [];
  for (const envelope of envelopes) {
    const result = applyStatus(doc, envelope);
    doc = result.doc;
    outcomes.push(result.outcome);
  }
  return { doc: doc!, outcomes };
}

describe('message status - statusRank', () => {
  it('ranks the ladder, failed above it and unknown statuses at 0', () => {
    expect(['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'constructor'].map(statusRank)).toEqual([
      1, 2, 3, 4, 100, 0, 0,
    ]);
  });
});

describe('message status - applyStatus', () => {
  it('creates the document from a status for a wamid never seen', () => {
    const { doc, outcome } = applyStatus(null, statusEnv({ status: 'sent', ts: 100 }));
    expect(outcome).toBe('applied');
    expect(doc).toMatchObject({ wamid: 'wamid.OUT1', status: 'sent', rank: 1, statusAt: { sent: 100 } });
  });

  it('advances up the ladder', () => {
    const { doc, outcomes } = applyAll([
      statusEnv({ status: 'sent', ts: 100 }),
      statusEnv({ status: 'delivered', ts: 101 }),
      statusEnv({ status: 'read', ts: 160 }),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied']);
    expect(doc.status).toBe('read');
    expect(doc.statusAt).toEqual({ sent: 100, delivered: 101, read: 160 });
  });

  it('calls the same event applied twice a duplicate and leaves the doc as it was', () => {
    const sent = statusEnv({ status: 'sent', ts: 100 });
    const first = applyStatus(null, sent);
    const again = applyStatus(first.doc, sent);
    expect(again.outcome).toBe('duplicate');
    expect(again.doc).toEqual(first.doc);
  });

  it('calls a later copy of a status already held a duplicate (earliest timestamp kept)', () => {
    const { doc, outcomes } = applyAll([
      statusEnv({ status: 'delivered', ts: 100, recipient: 'device-1' }),
      statusEnv({ status: 'delivered', ts: 130, recipient: 'device-2' }),
    ]);
    expect(outcomes).toEqual(['applied', 'duplicate']);
    expect(doc.statusAt.delivered).toBe(100);
  });

  it('merges an earlier copy of the current status, moving its timestamp back', () => {
    const { doc, outcomes } = applyAll([
      statusEnv({ status: 'delivered', ts: 130, recipient: 'device-2' }),
      statusEnv({ status: 'delivered', ts: 100, recipient: 'device-1' }),
    ]);
    expect(outcomes).toEqual(['applied', 'merged']);
    expect(doc.statusAt.delivered).toBe(100);
    expect(doc.facts.delivered!.recipientId).toBe('device-1');
  });

  it('records an unknown status without changing the status, as merged', () => {
    const { doc, outcomes } = applyAll([statusEnv({ status: 'deleted', ts: 90 }), statusEnv({ status: 'read', ts: 100 }), statusEnv({ status: 'warning', ts: 110 })]);
    expect(outcomes).toEqual(['merged', 'applied', 'merged']);
    expect(doc.status).toBe('read');
    expect(doc.statusAt).toEqual({ deleted: 90, read: 100, warning: 110 });
  });

  it('keeps a doc with only unknown statuses at status null, rank 0', () => {
    const { doc } = applyAll([statusEnv({ status: 'deleted', ts: 90 })]);
    expect(doc).toMatchObject({ status: null, rank: 0 });
  });

  it('never lets the ladder mask failed, and keeps delivered beside it (multi-device)', () => {
    const { doc, outcomes } = applyAll([
      statusEnv({ status: 'failed', ts: 100, extra: { errors: [{ code: 131026 }] } }),
      statusEnv({ status: 'delivered', ts: 101 }),
      statusEnv({ status: 'read', ts: 150 }),
    ]);
    expect(outcomes).toEqual(['applied', 'stale', 'stale']);
    expect(doc.status).toBe('failed');
    expect(doc.rank).toBe(100);
    expect(doc.statusAt).toEqual({ failed: 100, delivered: 101, read: 150 });
    expect(messageView(doc).errors).toEqual([{ code: 131026 }]);
  });

  it('names the current status fact as the winner of a stale event, with the gap', () => {
    const read = statusEnv({ status: 'read', ts: 200, region: 'us', traceparent: '00-aaaa-bbbb-01' });
    const late = statusEnv({ status: 'sent', ts: 150 });
    const result = applyStatus(applyStatus(null, read).doc, late);
    expect(result.outcome).toBe('stale');
    expect(result.beatenBy).toEqual({
      eventId: read.event.id,
      timestamp: 200,
      region: 'us',
      traceparent: '00-aaaa-bbbb-01',
      bySeconds: 50,
    });
  });

  it('joins the inbound record of the same wamid with its statuses in either order', () => {
    const inbound = inboundOf(messageEnv({ wamid: 'wamid.OUT1', ts: 90, replyTo: 'wamid.Q' }));
    const { doc } = applyAll([statusEnv({ status: 'read', ts: 100 })]);
    const a = joinMessageDocs(doc, inbound);
    expect(a).toEqual(joinMessageDocs(inbound, doc));
    expect(a.status).toBe('read');
    expect(a.inbound).toMatchObject({ userKey: '16505551234', type: 'text', contextWamid: 'wamid.Q', timestamp: 90 });
  });
});

describe('message status - messageView', () => {
  const conversation = { id: 'c1', origin: { type: 'utility' } };
  const pricing = { billable: true, pricing_model: 'PMP', category: 'utility' };

  it('keeps conversation and pricing that only a late lower status carried', () => {
    const { doc } = applyAll([
      statusEnv({ status: 'read', ts: 160 }),
      statusEnv({ status: 'sent', ts: 100, extra: { conversation, pricing, bizOpaqueCallbackData: 'order-42' } }),
    ]);
    expect(messageView(doc)).toMatchObject({ status: 'read', conversation, pricing, bizOpaqueCallbackData: 'order-42' });
  });

  it('prefers the highest-ranked fact that has a field', () => {
    const { doc } = applyAll([
      statusEnv({ status: 'sent', ts: 100, extra: { pricing: { category: 'from-sent' } } }),
      statusEnv({ status: 'delivered', ts: 101, extra: { pricing: { category: 'from-delivered' } } }),
      statusEnv({ status: 'read', ts: 102 }),
    ]);
    expect(messageView(doc).pricing).toEqual({ category: 'from-delivered' });
  });
});

describe('message status - seeds', () => {
  it('read before delivered keeps read', () => {
    const { doc, outcomes } = applyAll([statusEnv({ status: 'read', ts: 1000 }), statusEnv({ status: 'delivered', ts: 990 })]);
    expect(doc.status).toBe('read');
    expect(outcomes).toEqual(['applied', 'stale']);
    expect(doc.statusAt).toEqual({ read: 1000, delivered: 990 });
  });

  it('read with no delivered at all is read', () => {
    const { doc } = applyAll([statusEnv({ status: 'sent', ts: 1000 }), statusEnv({ status: 'read', ts: 1010 })]);
    expect(doc.status).toBe('read');
    expect(doc.statusAt.delivered).toBeUndefined();
  });

  it('delivered five hours late is discarded (stale, still recorded)', () => {
    const t0 = 1_739_321_024;
    const fiveHours = 5 * 3600;
    const sent = statusEnv({ status: 'sent', ts: t0, receivedAt: t0 * 1000 });
    const read = statusEnv({ status: 'read', ts: t0 + 60, receivedAt: (t0 + 60) * 1000 });
    const delivered = statusEnv({
      status: 'delivered',
      ts: t0 + 2,
      receivedAt: (t0 + fiveHours) * 1000,
      extra: { pricing: { billable: true, category: 'utility' } },
    });
    const { doc, outcomes } = applyAll([sent, read, delivered]);
    expect(outcomes).toEqual(['applied', 'applied', 'stale']);
    expect(doc.status).toBe('read');
    expect(doc.statusAt).toEqual({ sent: t0, read: t0 + 60, delivered: t0 + 2 });
    expect(messageView(doc).pricing).toEqual({ billable: true, category: 'utility' });
  });

  it('delivered stamped five hours after read is still stale (the ladder, not the clock, decides)', () => {
    const { doc, outcomes } = applyAll([
      statusEnv({ status: 'read', ts: 1000 }),
      statusEnv({ status: 'delivered', ts: 1000 + 5 * 3600 }),
    ]);
    expect(outcomes).toEqual(['applied', 'stale']);
    expect(doc.status).toBe('read');
  });
});

describe('message status - foldStatuses', () => {
  it('classifies a batch like one-by-one application and returns the batch join', () => {
    const before = applyStatus(null, statusEnv({ status: 'read', ts: 200 })).doc;
    const batch = [
      statusEnv({ status: 'delivered', ts: 150 }),
      statusEnv({ status: 'played', ts: 260 }),
      statusEnv({ status: 'played', ts: 260 }),
      statusEnv({ status: 'deleted', ts: 270 }),
    ];
    const folded = foldStatuses(before, batch);
    expect(folded.outcomes.map((o) => o.outcome)).toEqual(['stale', 'applied', 'duplicate', 'merged']);
    expect(folded.outcomes.map((o) => o.eventId)).toEqual(batch.map((e) => e.event.id));
    expect(folded.outcomes[0]!.beatenBy?.bySeconds).toBe(50);
    expect(folded.after).toEqual(joinMessageDocs(before, folded.delta!));
    expect(folded.delta!.facts.read).toBeUndefined();
    expect(folded.after!.status).toBe('played');
  });

  it('returns no delta for an empty batch', () => {
    expect(foldStatuses(null, [])).toEqual({ delta: null, after: null, outcomes: [] });
  });

  it('builds a delta equal to the join of the single-event docs', () => {
    const batch = [statusEnv({ status: 'sent', ts: 1 }), statusEnv({ status: 'failed', ts: 2 })];
    expect(foldStatuses(null, batch).delta).toEqual(joinMessageDocs(messageDocOf(batch[1]!), messageDocOf(batch[0]!)));
  });
});
