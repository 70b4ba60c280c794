import { type ConversationDoc, type MessageDoc, referenceState } from '@wamesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMessageBatch, applyStatusBatch } from '../batch.ts';
import { arrivalArb, arrivalsOf, batchesOf, envelopesOf, isMessage, isStatus } from '../contract/arbitraries.ts';
import { inboundEnvelope, statusEnvelope } from '../contract/events.ts';
import { conversationId } from './collections.ts';
import { mongoJoinWriter } from './join-writer.ts';
import { MingoCollection } from './mingo-collection.ts';
import { fromStored } from './update.ts';

function mingoStore() {
  const messages = new MingoCollection();
  const conversations = new MingoCollection();
  return { messages, conversations, writer: mongoJoinWriter({ messages, conversations }) };
}

describe('mongo update semantics (mingo, not a database)', () => {
  it('the adapter pipelines, applied batch by batch, hold core’s reference join of random event sets', async () => {
    await fc.assert(
      fc.asyncProperty(arrivalArb(30), async ({ specs, order, batches }) => {
        const envelopes = envelopesOf(specs, 'm');
        const { messages, conversations, writer } = mingoStore();
        const arrivals = arrivalsOf(envelopes, order);
        for (const batch of batchesOf(arrivals, batches)) {
          // What the adapter reports as "after" (core's join of the before-image and the
          // delta) is what the pipeline left in the collection.
          const statusResults = await applyStatusBatch(writer, batch.filter(isStatus));
          for (const r of statusResults) expect(fromStored(messages.get(r.doc.wamid)!)).toEqual(r.doc);
          const messageResults = await applyMessageBatch(writer, batch.filter(isMessage));
          for (const r of messageResults) {
            expect(fromStored(conversations.get(conversationId(r.doc.phoneNumberId, r.doc.userKey))!)).toEqual(r.doc);
            expect(fromStored(messages.get(r.message.wamid)!)).toEqual(r.message);
          }
        }
        const want = referenceState(arrivals);
        expect(messages.docs.length).toBe(want.messages.size);
        for (const [wamid, doc] of want.messages) expect(fromStored<MessageDoc>(messages.get(wamid)!)).toEqual(doc);
        expect(conversations.docs.length).toBe(want.conversations.size);
        for (const doc of want.conversations.values()) {
          const stored = conversations.get(conversationId(doc.phoneNumberId, doc.userKey))!;
          expect(fromStored<ConversationDoc>(stored)).toEqual(doc);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('payload strings that look like operators or field paths are stored as they came', async () => {
    const { messages, writer } = mingoStore();
    const env = statusEnvelope({
      id: 'wamid.$x',
      status: 'sent',
      timestamp: 1_760_000_000,
      bizOpaqueCallbackData: '$facts',
      pricing: { $inc: { rank: 1 }, category: '$$ROOT' },
    });
    const [result] = await applyStatusBatch(writer, [env]);
    const stored = fromStored<MessageDoc>(messages.get('wamid.$x')!)!;
    expect(stored).toEqual(result!.doc);
    expect(stored.facts['sent']!.bizOpaqueCallbackData).toBe('$facts');
    expect(stored.facts['sent']!.pricing).toEqual({ $inc: { rank: 1 }, category: '$$ROOT' });
  });

  it('an upsert that loses the insert race (E11000) is retried and joins the winner’s document', async () => {
    const { messages, conversations, writer } = mingoStore();
    messages.raceOnInsert = 1;
    conversations.raceOnInsert = 1;
    const env = inboundEnvelope({ id: 'wamid.race', from: '491700000', timestamp: 1_760_000_000 });
    const [result] = await applyMessageBatch(writer, [env]);
    expect(result!.outcome).toBe('applied');
    expect(messages.docs).toHaveLength(1);
    expect(conversations.docs).toHaveLength(1);
    expect(messages.pipelinesSeen).toBe(2);
  });

  it('one pipeline per entity per batch, however many events the batch holds for it', async () => {
    const { messages, writer } = mingoStore();
    const batch = ['sent', 'delivered', 'read', 'delivered', 'sent'].map((status, i) =>
      statusEnvelope({ id: 'wamid.one', status, timestamp: 1_760_000_000 + i }),
    );
    await applyStatusBatch(writer, batch);
    expect(messages.pipelinesSeen).toBe(1);
  });
});
