import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { referenceState } from '@wamesh/core';
import { describe, expect, it } from 'vitest';
import { statusEnvelope } from '../contract/events.ts';
import { describeStoreContract } from '../contract/suite.ts';
import type { StateStore } from '../types.ts';
import { KvStore } from './store.ts';

const nats = useNats(() => startServer());
const T = 1_760_000_000;

describeStoreContract('kv (NATS JetStream KV, real nats-server)', () => ({
  async open(ns: string): Promise<StateStore> {
    // Its own connection per store: two opens are two writers, as two regions would be.
    const nc = await nats().connect();
    const store = new KvStore({ nc, prefix: ns });
    await store.init();
    return {
      ...bind(store),
      close: async () => {
        await store.close();
        await nc.close();
      },
    };
  },
}));

function bind(store: KvStore): StateStore {
  return {
    init: () => store.init(),
    applyStatuses: (b) => store.applyStatuses(b),
    applyMessages: (b) => store.applyMessages(b),
    applyFields: (b) => store.applyFields(b),
    appendLog: (e) => store.appendLog(e),
    getMessage: (w) => store.getMessage(w),
    getConversation: (p, w) => store.getConversation(p, w),
    timeline: (k) => store.timeline(k),
    close: () => store.close(),
  };
}

describe('kv - compare-and-set under contention', () => {
  it('two writers on one hot key lose CAS rounds, retry with the join recomputed, and lose nothing', async () => {
    const conflicts: string[] = [];
    const open = async () =>
      new KvStore({ nc: await nats().connect(), prefix: 'hot', onCasConflict: (_bucket, key) => conflicts.push(key) });
    const [a, b] = [await open(), await open()];
    await Promise.all([a.init(), b.init()]);
    const wamid = 'wamid.hot+key/=';
    const statuses = ['sent', 'delivered', 'read', 'deleted', 'warning'];
    const events = Array.from({ length: 200 }, (_, i) =>
      statusEnvelope({ id: wamid, status: statuses[i % 5]!, timestamp: T + (i % 37), recipientId: `r${i % 3}` }),
    );
    // Single-event batches, all in flight at once from both writers: every write races.
    await Promise.all([...events.map((e) => a.applyStatuses([e])), ...events.map((e) => b.applyStatuses([e]))]);
    expect(await a.getMessage(wamid)).toEqual(referenceState(events).messages.get(wamid));
    expect(conflicts.length).toBeGreaterThan(0);
  });
});
