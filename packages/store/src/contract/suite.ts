// ONE contract every StateStore adapter must pass; each adapter's test file calls it.
import { afterEach, describe } from 'vitest';
import { describeSkipped } from '../testing/skip.ts';
import type { StateStore } from '../types.ts';
import { behaviours } from './behaviours.ts';
import type { ContractContext, StoreTarget } from './context.ts';
import { type PropertyOptions, properties } from './properties.ts';
import { seedScenarios } from './seeds.ts';

export type { StoreTarget } from './context.ts';

export interface ContractOptions extends PropertyOptions {
  /** Why this adapter cannot be tested here: the suite then reports one skipped test saying so. */
  skip?: string;
}

/**
 * Registers the contract for one adapter. `target` is called inside tests and hooks (the
 * server behind it is typically started in beforeAll).
 */
export function describeStoreContract(name: string, target: () => StoreTarget, opts: ContractOptions = {}): void {
  if (opts.skip !== undefined) {
    // Only when the adapter's server cannot run here (no MONGODB_URI, no Docker).
    describeSkipped('store contract', name, opts.skip);
    return;
  }
  describe(`store contract: ${name}`, () => {
    const opened: StateStore[] = [];
    const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
    let seq = 0;
    const ctx: ContractContext = {
      ns: () => `ct${run}_${++seq}`,
      open: async (ns) => {
        const store = await target().open(ns);
        opened.push(store);
        return store;
      },
      fresh: () => ctx.open(ctx.ns()),
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    seedScenarios(ctx);
    behaviours(ctx);
    properties(ctx, opts);
  });
}
