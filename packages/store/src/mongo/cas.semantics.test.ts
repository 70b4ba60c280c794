import { type ConversationDoc, type MessageDoc, referenceState } from '@wamesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMessageBatch, applyStatusBatch } from '../batch.ts';
import { arrivalArb, arrivalsOf, batchesOf, envelopesOf, isMessage, isStatus } from '../contract/arbitraries.ts';
import { inboundEnvelope, statusEnvelope } from '../contract/events.ts';
import { stateOf } from '../batch.ts';
import { fromMongo, type MongoDoc, mongoEntityWriter } from './cas.ts';
import { conversationId } from './collections.ts';
import { MemoryCollection } from './memory-collection.ts';

/** The writer over in-memory collections (a test double: no MongoDB here). */
function memoryStore() {
  const messages = new MemoryCollection();
  const conversations = new MemoryCollection();
  const writer = mongoEntityWriter({ messages, conversations, businesses: new MemoryCollection(), logged: async () => new Set<string>() });
  return { messages, conversations, writer };
}

/** The domain document a collection holds. */
const domain = <D>(doc: MongoDoc | undefined): D | undefined => {
  const stored = fromMongo<D>(doc ?? null);
  return stored ? stateOf(stored) : undefined;
};

describe('mongo compare-and-set semantics (in-memory double, not a database)', () => {
  it('the adapter writer, applied batch by batch, holds core’s reference join of random event sets', async () => {
    await fc.assert(
      fc.asyncProperty(arrivalArb(30), async ({ specs, order, batches }) => {
        const envelopes = envelopesOf(specs, 'm');
        const { messages, conversations, writer } = memoryStore();
        const arrivals = arrivalsOf(envelopes, order);
        for (const batch of batchesOf(arrivals, batches)) {
          // What the adapter reports as "after" (core's join of the before-image and the
          // delta) is what the pipeline left in the collection.
          const statusResults = await applyStatusBatch(writer, batch.filter(isStatus));
          for (const r of statusResults) expect(domain(messages.docs.get(r.doc.wamid)!)).toEqual(r.doc);
          const messageResults = await applyMessageBatch(writer, batch.filter(isMessage));
          for (const r of messageResults) {
            expect(domain(conversations.docs.get(conversationId(r.doc.phoneNumberId, r.doc.userKey))!)).toEqual(r.doc);
            expect(domain(messages.docs.get(r.message.wamid)!)).toEqual(r.message);
          }
        }
        const want = referenceState(arrivals);
        expect(messages.docs.size).toBe(want.messages.size);
        for (const [wamid, doc] of want.messages) expect(domain<MessageDoc>(messages.docs.get(wamid)!)).toEqual(doc);
        expect(conversations.docs.size).toBe(want.conversations.size);
        for (const doc of want.conversations.values()) {
          const stored = conversations.docs.get(conversationId(doc.phoneNumberId, doc.userKey))!;
          expect(domain<ConversationDoc>(stored)).toEqual(doc);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('payload strings that look like operators or field paths are stored as they came', async () => {
    const { messages, writer } = memoryStore();
    const env = statusEnvelope({
      id: 'wamid.$x',
      status: 'sent',
      timestamp: 1_760_000_000,
      bizOpaqueCallbackData: '$facts',
      pricing: { $inc: { rank: 1 }, category: '$$ROOT' },
    });
    const [result] = await applyStatusBatch(writer, [env]);
    const stored = domain<MessageDoc>(messages.docs.get('wamid.$x')!)!;
    expect(stored).toEqual(result!.doc);
    expect(stored.facts['sent']!.bizOpaqueCallbackData).toBe('$facts');
    expect(stored.facts['sent']!.pricing).toEqual({ $inc: { rank: 1 }, category: '$$ROOT' });
  });

  it('an upsert that loses the insert race (E11000) is retried and joins the winner’s document', async () => {
    const { messages, conversations, writer } = memoryStore();
    messages.raceOnInsert = 1;
    conversations.raceOnInsert = 1;
    const env = inboundEnvelope({ id: 'wamid.race', from: '491700000', timestamp: 1_760_000_000 });
    const [result] = await applyMessageBatch(writer, [env]);
    // The winner's document already holds the event and its feed mark: the retry writes nothing and reports it as committed.
    expect(result).toMatchObject({ outcome: 'applied', seq: 1 });
    expect(messages.docs.size).toBe(1);
    expect(conversations.docs.size).toBe(1);
    expect(conversations.writes).toBe(0);
  });

  it('one write per entity per batch, however many events the batch holds for it', async () => {
    const { messages, writer } = memoryStore();
    const batch = ['sent', 'delivered', 'read', 'delivered', 'sent'].map((status, i) =>
      statusEnvelope({ id: 'wamid.one', status, timestamp: 1_760_000_000 + i }),
    );
    await applyStatusBatch(writer, batch);
    expect(messages.writes).toBe(1);
    expect(messages.docs.get('wamid.one')!.feed).toMatchObject({ seq: 3 });
  });
});
