// What the consumer's integration tests share that needs vitest (hooks, expect); testkit.ts
// stays free of it because the bench imports it.
import type { ChildProcess } from 'node:child_process';
import type { Envelope } from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import { afterEach, expect } from 'vitest';
import { type ConsumerProcess, loggedEvents, referenceState, spawnConsumer } from './testkit.ts';

/** spawnConsumer for a test file: whatever a test leaves running is SIGKILLed after it. */
export function useConsumerProcesses(): (env: Record<string, string>) => Promise<ConsumerProcess> {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  return async (env) => {
    const p = await spawnConsumer(env);
    children.push(p.child);
    return p;
  };
}

/** Every event logged exactly once, and each message's status and statusAt those of core's reference join. */
export async function expectLoggedOnceAndJoined(store: StateStore, envelopes: Envelope[]): Promise<void> {
  const ids = await loggedEvents(store, envelopes.map((e) => e.event.wamid));
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(envelopes.length);
  for (const [wamid, want] of referenceState(envelopes).messages) {
    const have = await store.getMessage(wamid);
    expect({ status: have?.status, statusAt: have?.statusAt }, wamid).toEqual({ status: want.status, statusAt: want.statusAt });
  }
}
