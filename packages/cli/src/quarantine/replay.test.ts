import type { QuarantinedBody } from '@wamesh/bus';
import { type Split, splitWebhook } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { replayPlan, requarantineMsgId } from './replay.ts';

const msg = (id: string, extra: object = {}) => ({ from: '4915100', id, timestamp: '1760000000', type: 'text', text: { body: id }, ...extra });
const raw = (messages: object[]) =>
  new TextEncoder().encode(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: 'W', changes: [{ field: 'messages', value: { metadata: { phone_number_id: 'P' }, messages } }] }],
    }),
  );
const at = (i: number) => `entry.0.changes.0.value.messages.${i}`;
const quarantined = (bytes: Uint8Array, rejected: { path: string; reason: string }[], count = rejected.length): QuarantinedBody => ({
  raw: bytes,
  rejected,
  count,
  meta: { region: 'eu', receivedAt: 1 },
});
const wamids = (plan: { events: { wamid: string }[] }) => plan.events.map((e) => e.wamid);

describe('quarantine replay plan', () => {
  const body = raw([msg('wamid.0'), msg('wamid.1'), msg('wamid.2', { id: undefined }), msg('wamid.3')]);

  it('quarantine plan - only the parts rejected back then are published; what still fails is kept with its reason', () => {
    const plan = replayPlan(quarantined(body, [{ path: at(1), reason: 'old' }, { path: at(2), reason: 'old' }]), 4);
    expect(wamids(plan)).toEqual(['wamid.1']);
    expect(plan.rejected).toEqual([{ path: at(2), reason: expect.stringMatching(/^id: /) }]);
    expect(plan.unchanged).toBe(false);
  });

  it('quarantine plan - a cut (or missing) list of parts replays the whole body', () => {
    expect(wamids(replayPlan(quarantined(body, [{ path: at(1), reason: 'old' }], 2), 4))).toEqual(['wamid.0', 'wamid.1', 'wamid.3']);
    expect(wamids(replayPlan(quarantined(body, []), 4))).toEqual(['wamid.0', 'wamid.1', 'wamid.3']);
  });

  it('quarantine plan - unchanged only when nothing parses now and every reason is the same; the parser is the one given', () => {
    const now = replayPlan(quarantined(body, [{ path: at(2), reason: 'old' }]), 4).rejected;
    expect(replayPlan(quarantined(body, now), 4).unchanged).toBe(true);
    // A parser whose reason for that part differs: the record is replaced, not left.
    const reworded = (json: unknown, shards: number): Split => {
      const s = splitWebhook(json, shards);
      return { ...s, rejected: s.rejected.map((p) => ({ ...p, reason: `v2: ${p.reason}` })) };
    };
    const plan = replayPlan(quarantined(body, now), 4, reworded);
    expect(plan).toMatchObject({ unchanged: false, events: [], rejected: [{ path: at(2), reason: expect.stringMatching(/^v2: id: /) }] });
    const notJson = new TextEncoder().encode('{');
    const stays = replayPlan(quarantined(notJson, [{ path: 'body', reason: 'old' }]), 4);
    expect(stays.rejected).toEqual([{ path: 'body', reason: expect.stringMatching(/^the body is not JSON/) }]);
    expect(replayPlan(quarantined(notJson, stays.rejected), 4).unchanged).toBe(true);
  });

  it('quarantine plan - the replacing record\'s id differs from the body\'s and per quarantine seq', () => {
    expect(requarantineMsgId(body, 7)).toMatch(/^q-[0-9a-f]{32}:r7$/);
    expect(requarantineMsgId(body, 8)).not.toBe(requarantineMsgId(body, 7));
  });
});
