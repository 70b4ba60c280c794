import { sequencedEvents, type StatusEvent } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { buildScenario } from './scenario.ts';
import { scheduleSends } from './schedule.ts';

const opts = { seed: 42, conversations: 12, webhooks: 400, startSeconds: 1_700_000_000, runId: '0000000042' };

describe('simulate scenario', () => {
  it('simulate scenario - every webhook is valid Cloud API and the same seed gives the same traffic', () => {
    const a = buildScenario(opts);
    expect(a.webhooks.length).toBeGreaterThanOrEqual(400);
    for (const w of a.webhooks) expect(() => sequencedEvents(JSON.parse(w.body), 16), w.label).not.toThrow();
    expect(buildScenario(opts).webhooks.map((w) => w.body)).toEqual(a.webhooks.map((w) => w.body));
    const other = buildScenario({ ...opts, seed: 43, runId: '0000000043' });
    const mine = new Set(a.wamids);
    expect(other.wamids.some((id) => mine.has(id))).toBe(false);
  });

  it('simulate scenario - plays whole lifecycles: ladder, failures, played voice notes, replies, ties', () => {
    const s = buildScenario(opts);
    const statuses = new Map<string, StatusEvent[]>();
    const kinds = new Set<string>();
    let replies = 0;
    for (const w of s.webhooks) {
      for (const e of sequencedEvents(JSON.parse(w.body), 16)) {
        if (e.kind === 'status') statuses.set(e.wamid, [...(statuses.get(e.wamid) ?? []), e]);
        else {
          kinds.add(e.type);
          if (e.contextWamid) replies++;
        }
      }
    }
    const seen = new Set([...statuses.values()].flat().map((e) => e.status));
    for (const st of ['sent', 'delivered', 'read', 'failed']) expect(seen).toContain(st);
    expect(kinds).toContain('text');
    expect(kinds.size).toBeGreaterThan(3);
    expect(replies).toBeGreaterThan(0);
    // In WhatsApp-time order a message's statuses never go back in time.
    for (const events of statuses.values()) {
      const times = events.map((e) => e.timestamp);
      expect(times).toEqual([...times].sort((x, y) => x - y));
    }
    // Lifecycles are finished: every message that was read was first sent.
    for (const events of statuses.values()) {
      const names = events.map((e) => e.status);
      if (names.includes('read')) expect(names).toContain('sent');
    }
  });

  it('simulate schedule - inverts and duplicates at about the asked rates, inside the run', () => {
    const s = buildScenario(opts);
    const sends = scheduleSends(s, {
      durationMs: 10_000,
      jitterMs: 100,
      duplicateRate: 0.1,
      inversionRate: 0.2,
      regions: ['a', 'b', 'c'],
      seed: 7,
    });
    const dups = sends.filter((x) => x.duplicate).length;
    expect(dups / s.webhooks.length).toBeGreaterThan(0.05);
    expect(dups / s.webhooks.length).toBeLessThan(0.15);
    expect(new Set(sends.map((x) => x.region))).toEqual(new Set(['a', 'b', 'c']));
    expect(Math.max(...sends.map((x) => x.at))).toBeLessThan(10_000 + 100 + 2 * 100 + 500);
    // An inversion: a later webhook of a conversation is sent before an earlier one.
    const firstSend = new Map<number, number>();
    for (const x of sends) if (!x.duplicate) firstSend.set(x.seq, x.at);
    let inversions = 0;
    const byConv = new Map<number, number[]>();
    for (const w of s.webhooks) byConv.set(w.conversation, [...(byConv.get(w.conversation) ?? []), w.seq]);
    for (const seqs of byConv.values()) {
      for (let i = 1; i < seqs.length; i++) if (firstSend.get(seqs[i]!)! < firstSend.get(seqs[i - 1]!)!) inversions++;
    }
    expect(inversions).toBeGreaterThan(s.webhooks.length * 0.05);
  });
});
