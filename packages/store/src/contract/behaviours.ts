// Store behaviours beyond the seeds: joins across kinds, duplicates, the log and timelines.
import { type FieldEnvelope, fieldLogEntryOf, logEntryOf, messageView, splitWebhook } from '@wamesh/core';
import { expect, it } from 'vitest';
import type { ContractContext } from './context.ts';
import { deliver } from './deliver.ts';
import { BUSINESS, inboundEnvelope, statusEnvelope, WABA } from './events.ts';

const T = 1_760_000_000;

export function behaviours(ctx: ContractContext): void {
  it('status before message - a status creates the document and the message record joins it later', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.first+status/=';
    const read = statusEnvelope({ id: wamid, status: 'read', timestamp: T + 3 });
    expect((await deliver(store, [read])).results[0]!.outcome).toBe('applied');
    const inbound = inboundEnvelope({ id: wamid, from: '447700900123', timestamp: T, replyTo: 'wamid.ctx' });
    const [applied] = await store.applyMessages([inbound]);
    const doc = await store.getMessage(wamid);
    expect(doc).toMatchObject({ status: 'read', statusAt: { read: T + 3 } });
    expect(doc?.inbound).toMatchObject({ eventId: inbound.event.id, userKey: '447700900123', contextWamid: 'wamid.ctx' });
    expect(applied!.message).toEqual(doc);
    expect(applied!.doc).toEqual(await store.getConversation(BUSINESS, '447700900123'));
  });

  it('user key - a user with a BSUID is one conversation, found by wa_id, BSUID or username, whichever events carried them', async () => {
    const store = await ctx.fresh();
    const bsuid = 'US.13491208655302741918';
    // The first message carries the phone number too; the later one (a username user) only the BSUID.
    const early = inboundEnvelope({ id: 'wamid.bs1', from: '16315551181', userId: bsuid, timestamp: T });
    const late = inboundEnvelope({ id: 'wamid.bs2', userId: bsuid, username: 'ana', timestamp: T + 5 });
    await deliver(store, [late]);
    await deliver(store, [early]);
    const want = { userKey: bsuid, ids: { waId: ['16315551181'], userId: [bsuid], parentUserId: [], username: ['ana'] } };
    for (const id of [bsuid, '16315551181', 'ana']) {
      expect(await store.getConversation(BUSINESS, id), id).toMatchObject({ ...want, last: { wamid: 'wamid.bs2' } });
    }
    expect(await store.getConversation(BUSINESS, 'nobody')).toBeNull();
    expect((await store.timeline('16315551181')).map((e) => e.wamid)).toEqual(['wamid.bs1']);
    expect((await store.timeline(bsuid)).map((e) => e.wamid)).toEqual(['wamid.bs1', 'wamid.bs2']);
  });

  it('user key - when a wa_id-keyed conversation predates BSUIDs, a look-up by wa_id finds the later one', async () => {
    const store = await ctx.fresh();
    const old = inboundEnvelope({ id: 'wamid.pre', from: '5511999990009', timestamp: T });
    const now = inboundEnvelope({ id: 'wamid.post', from: '5511999990009', userId: 'BR.77', timestamp: T + 60 });
    await deliver(store, [old, now]);
    expect(await store.getConversation(BUSINESS, '5511999990009')).toMatchObject({ userKey: 'BR.77', last: { wamid: 'wamid.post' } });
    expect(await store.getConversation(BUSINESS, 'BR.77')).toMatchObject({ userKey: 'BR.77' });
  });

  it('fields - each new field event is the next entry of its business, a re-send is recognised, the trace finds them', async () => {
    const store = await ctx.fresh();
    const [update, template] = splitWebhook(
      {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WABA,
            time: T,
            changes: [
              { field: 'account_update', value: { event: 'ACCOUNT_RESTRICTION', phone_number: '1555' } },
              { field: 'message_template_status_update', value: { event: 'PAUSED', message_template_id: 7 } },
            ],
          },
        ],
      },
      4,
    ).fields;
    const meta = { region: 'eu', receivedAt: T * 1000 };
    const log = async (batch: FieldEnvelope[]) => {
      const results = await store.applyFields(batch);
      await store.appendLog(batch.map((e, i) => fieldLogEntryOf(e, results[i]!, Date.now())));
      return results;
    };
    const first = await log([{ event: update!, meta }, { event: template!, meta }]);
    expect(first.map((r) => [r.outcome, r.seq])).toEqual([['applied', 1], ['applied', 2]]);
    // Meta re-sends the same webhook later: the same commit again, and the log sees a duplicate.
    const again = await log([{ event: template!, meta }]);
    expect(again.map((r) => [r.outcome, r.seq])).toEqual([['applied', 2]]);
    // Same time (entry.time): the timeline orders them by id; the feed numbers say the commit order.
    const rows = (await store.timeline(WABA)).sort((a, b) => a.seq! - b.seq!);
    expect(rows.map((r) => [r.kind, r.field, r.seq, r.feedKey])).toEqual([
      ['field', 'account_update', 1, `field:${WABA}`],
      ['field', 'message_template_status_update', 2, `field:${WABA}`],
    ]);
    expect(rows[0]!.payload).toMatchObject({ field: 'account_update', value: { event: 'ACCOUNT_RESTRICTION' } });
  });

  it('status and message of one wamid in the same batch both land (they race on one document)', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.same+batch=';
    const batch = [
      statusEnvelope({ id: wamid, status: 'delivered', timestamp: T + 1 }),
      inboundEnvelope({ id: wamid, from: '447700900124', timestamp: T }),
      statusEnvelope({ id: wamid, status: 'sent', timestamp: T }),
    ];
    await deliver(store, batch);
    const doc = await store.getMessage(wamid);
    expect(doc).toMatchObject({ status: 'delivered', statusAt: { sent: T, delivered: T + 1 } });
    expect(doc?.inbound?.eventId).toBe(batch[1]!.event.id);
  });

  it('duplicates - a redelivered batch changes nothing; the log and the state both recognise it', async () => {
    const store = await ctx.fresh();
    const batch = [
      statusEnvelope({ id: 'wamid.dup+1=', status: 'sent', timestamp: T }),
      statusEnvelope({ id: 'wamid.dup+1=', status: 'read', timestamp: T + 4 }),
      inboundEnvelope({ id: 'wamid.dup+2=', from: '33612345678', timestamp: T + 1 }),
      inboundEnvelope({ id: 'wamid.dup+3=', from: '33612345678', timestamp: T + 2 }),
    ];
    const first = await deliver(store, batch);
    expect(first.log.inserted).toHaveLength(4);
    const before = [await store.getMessage('wamid.dup+1='), await store.getConversation(BUSINESS, '33612345678')];
    const again = await deliver(store, batch);
    // The store reports the one commit of each event again (same outcome, same feed number:
    // what a consumer that died before logging needs); the log says they were all seen.
    const committed = (d: typeof first) => d.results.map((r) => [r.outcome, r.seq]);
    expect(committed(again)).toEqual(committed(first));
    // Per key (the message, the conversation) the changes are numbered 1, 2: dup+2, now older
    // than the conversation's latest, still reports that it was applied, not stale.
    expect(committed(first)).toEqual([['applied', 1], ['applied', 2], ['applied', 1], ['applied', 2]]);
    expect(again.log).toEqual({ inserted: [], duplicates: batch.map((e) => e.event.id) });
    expect([await store.getMessage('wamid.dup+1='), await store.getConversation(BUSINESS, '33612345678')]).toEqual(before);
  });

  it('duplicates - the same event twice in one batch is logged once and never applied twice', async () => {
    const store = await ctx.fresh();
    const old = inboundEnvelope({ id: 'wamid.twice+old=', from: '34600000001', timestamp: T });
    const newer = inboundEnvelope({ id: 'wamid.twice+new=', from: '34600000001', timestamp: T + 9 });
    const sent = statusEnvelope({ id: 'wamid.twice+s=', status: 'sent', timestamp: T });
    const { results, log } = await deliver(store, [newer, old, old, sent, sent]);
    // Both copies report the one commit; the second copy of each is the log's duplicate.
    expect(results.map((r) => [r.outcome, r.seq])).toEqual([['applied', 1], ['stale', 2], ['stale', 2], ['applied', 1], ['applied', 1]]);
    expect(log.inserted).toEqual([newer.event.id, old.event.id, sent.event.id]);
    expect(log.duplicates).toEqual([old.event.id, sent.event.id]);
  });

  it('unknown statuses are recorded and never change the status', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.unknown+st=';
    const { results } = await deliver(store, [
      statusEnvelope({ id: wamid, status: 'delivered', timestamp: T }),
      statusEnvelope({ id: wamid, status: 'deleted', timestamp: T + 7 }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'merged']);
    expect(await store.getMessage(wamid)).toMatchObject({ status: 'delivered', rank: 2, statusAt: { deleted: T + 7 } });
  });

  it('fields only a lower status carries (pricing, conversation) are merged when it arrives late', async () => {
    const store = await ctx.fresh();
    const wamid = 'wamid.pricing+late=';
    await deliver(store, [statusEnvelope({ id: wamid, status: 'read', timestamp: T + 30 })]);
    const sent = statusEnvelope({
      id: wamid,
      status: 'sent',
      timestamp: T,
      pricing: { billable: true, pricing_model: 'CBP', category: 'marketing' },
      conversation: { id: 'conv-1', origin: { type: 'marketing' } },
      bizOpaqueCallbackData: 'campaign-42',
    });
    expect((await deliver(store, [sent])).results[0]!.outcome).toBe('stale');
    const view = messageView((await store.getMessage(wamid))!);
    expect(view).toMatchObject({
      status: 'read',
      pricing: { category: 'marketing' },
      conversation: { id: 'conv-1' },
      bizOpaqueCallbackData: 'campaign-42',
    });
  });

  it('timeline - every logged event of a wamid or wa_id, in WhatsApp order whatever the arrival order', async () => {
    const store = await ctx.fresh();
    const user = '5215512345678';
    const wamid = 'wamid.timeline+/=';
    const events = [
      statusEnvelope({ id: wamid, status: 'read', timestamp: T + 20, recipientId: user }, { receivedAt: T * 1000 + 1 }),
      inboundEnvelope({ id: 'wamid.tl+in2=', from: user, timestamp: T + 15 }),
      statusEnvelope({ id: wamid, status: 'sent', timestamp: T, recipientId: user }, { receivedAt: T * 1000 + 9 }),
      inboundEnvelope({ id: 'wamid.tl+in1=', from: user, timestamp: T + 5 }),
      statusEnvelope({ id: wamid, status: 'delivered', timestamp: T, recipientId: user }, { receivedAt: T * 1000 + 5 }),
    ];
    for (const e of events) await deliver(store, [e]);
    const byWamid = await store.timeline(wamid);
    // Same second: receive time decides (delivered was received before sent).
    expect(byWamid.map((e) => e.status)).toEqual(['delivered', 'sent', 'read']);
    const byUser = await store.timeline(user);
    expect(byUser.map((e) => e.status ?? e.wamid)).toEqual(['delivered', 'sent', 'wamid.tl+in1=', 'wamid.tl+in2=', 'read']);
    expect(byUser.find((e) => e.wamid === 'wamid.tl+in1=')).toMatchObject({ kind: 'msg', outcome: 'stale', type: 'text' });
    expect(await store.timeline('nobody')).toEqual([]);
  });

  it('event log - an entry is recorded once; a second append with other fields keeps the first', async () => {
    const store = await ctx.fresh();
    const e = statusEnvelope({ id: 'wamid.log+1=', status: 'sent', timestamp: T });
    const first = logEntryOf(e, { outcome: 'applied' }, Date.now());
    expect(await store.appendLog([first])).toEqual({ inserted: [e.event.id], duplicates: [] });
    const second = { ...first, region: 'ap', outcome: 'duplicate' as const };
    expect(await store.appendLog([second])).toEqual({ inserted: [], duplicates: [e.event.id] });
    expect(await store.timeline('wamid.log+1=')).toEqual([first]);
    expect(await store.appendLog([])).toEqual({ inserted: [], duplicates: [] });
  });

  it('reads - unknown keys read as null, and ids with + / = round-trip', async () => {
    const store = await ctx.fresh();
    expect(await store.getMessage('wamid.never')).toBeNull();
    expect(await store.getConversation(BUSINESS, 'never')).toBeNull();
    const wamid = 'wamid.HBgN+/+/==';
    await deliver(store, [statusEnvelope({ id: wamid, status: 'sent', timestamp: T })]);
    expect((await store.getMessage(wamid))?.wamid).toBe(wamid);
    expect(await store.getMessage('wamid.HBgN+/+/=')).toBeNull();
  });
}
