// The seeds' scenarios, each as the operator would describe it.
import type { ConversationDoc, MessageDoc } from '@wamesh/core';
import { expect, it } from 'vitest';
import type { ContractContext } from './context.ts';
import { deliver } from './deliver.ts';
import { BUSINESS, inboundEnvelope, statusEnvelope } from './events.ts';

const T = 1_760_000_000;
const HOUR = 3_600_000;

export function seedScenarios(ctx: ContractContext): void {
  it('seeds - a read that arrives before delivered keeps read; delivered is stale, beaten by read', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA+/=';
    const sent = statusEnvelope({ id: wamid, status: 'sent', timestamp: T });
    const delivered = statusEnvelope({ id: wamid, status: 'delivered', timestamp: T + 5 });
    const read = statusEnvelope({ id: wamid, status: 'read', timestamp: T + 10 }, { region: 'us' });
    const outcomes = [];
    for (const e of [sent, read, delivered]) outcomes.push((await deliver(store, [e])).results[0]!);
    expect(outcomes.map((r) => r.outcome)).toEqual(['applied', 'applied', 'stale']);
    expect(outcomes[2]!.beatenBy).toMatchObject({ eventId: read.event.id, region: 'us', timestamp: T + 10, bySeconds: 5 });
    const doc = (await store.getMessage(wamid))!;
    expect(doc).toMatchObject({ status: 'read', rank: 3, statusAt: { sent: T, delivered: T + 5, read: T + 10 } });
    expect(outcomes[2]!.doc).toEqual(doc);
  });

  it('seeds - a delivered five hours late is discarded, its timestamp kept for the timeline', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.late+delivered==';
    const sent = statusEnvelope({ id: wamid, status: 'sent', timestamp: T });
    const read = statusEnvelope({ id: wamid, status: 'read', timestamp: T + 60 });
    const late = statusEnvelope({ id: wamid, status: 'delivered', timestamp: T + 2 }, { receivedAt: T * 1000 + 5 * HOUR });
    await deliver(store, [sent]);
    await deliver(store, [read]);
    const [r] = (await deliver(store, [late])).results;
    expect(r).toMatchObject({ outcome: 'stale', beatenBy: { eventId: read.event.id, bySeconds: 58 } });
    expect(await store.getMessage(wamid)).toMatchObject({ status: 'read', statusAt: { delivered: T + 2 } });
    const timeline = await store.timeline(wamid);
    expect(timeline.map((e) => e.status)).toEqual(['sent', 'delivered', 'read']);
    expect(timeline[1]).toMatchObject({ outcome: 'stale', beatenBy: { eventId: read.event.id, bySeconds: 58 } });
  });

  it('seeds - name then email, delivered inverted, leaves the email as the latest message', async () => {
    const store = await ctx.fresh();
    const from = '5511987654321';
    const name = inboundEnvelope({ id: 'wamid.name+1=', from, timestamp: T, text: 'Ana', name: 'Ana' });
    const email = inboundEnvelope({ id: 'wamid.email+2=', from, timestamp: T + 20, text: 'ana@example.com', name: 'Ana' });
    const first = await deliver(store, [email]);
    const second = await deliver(store, [name]);
    expect(first.results[0]!.outcome).toBe('applied');
    expect(second.results[0]).toMatchObject({ outcome: 'stale', beatenBy: { eventId: email.event.id, bySeconds: 20 } });
    const conversation = (await store.getConversation(BUSINESS, from))!;
    expect(conversation).toMatchObject({ ambiguous: false, last: { wamid: 'wamid.email+2=', contactName: 'Ana' } });
    // The stale message is kept (for review), not dropped.
    expect((await store.getMessage('wamid.name+1='))?.inbound).toMatchObject({ eventId: name.event.id, userKey: from });
  });

  it('seeds - two messages in the same second are both kept and the conversation is flagged ambiguous', async () => {
    const store = await ctx.fresh();
    const from = '4915112345678';
    const a = inboundEnvelope({ id: 'wamid.same+A=', from, timestamp: T });
    const b = inboundEnvelope({ id: 'wamid.same+B=', from, timestamp: T });
    const outcomes = [(await deliver(store, [b])).results[0]!, (await deliver(store, [a])).results[0]!];
    // B sorts after A: B stays last, A joins without being stale (same second is not older).
    expect(outcomes.map((r) => r.outcome)).toEqual(['applied', 'merged']);
    const conversation = (await store.getConversation(BUSINESS, from)) as ConversationDoc;
    expect(conversation).toMatchObject({ ambiguous: true, last: { wamid: 'wamid.same+B=' } });
    expect((await store.getMessage('wamid.same+A='))?.inbound?.eventId).toBe(a.event.id);
    expect((await store.getMessage('wamid.same+B='))?.inbound?.eventId).toBe(b.event.id);
  });

  it('seeds - failed is terminal: a later read does not overwrite it', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.failed+x=';
    const failed = statusEnvelope({
      id: wamid,
      status: 'failed',
      timestamp: T + 1,
      errors: [{ code: 131047, title: 'Re-engagement message' }],
    });
    const read = statusEnvelope({ id: wamid, status: 'read', timestamp: T + 9 });
    const { results } = await deliver(store, [failed, read]);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'stale']);
    const doc = (await store.getMessage(wamid)) as MessageDoc;
    expect(doc).toMatchObject({ status: 'failed', rank: 100, statusAt: { failed: T + 1, read: T + 9 } });
    expect(doc.facts['failed']?.errors).toEqual([{ code: 131047, title: 'Re-engagement message' }]);
  });
}
