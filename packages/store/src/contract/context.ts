import type { StateStore } from '../types.ts';

/** How the contract suite reaches an adapter. */
export interface StoreTarget {
  /**
   * A new store instance on its own connection over the storage named `ns` (a prefix or a
   * database), already `init()`ed. Two calls with the same `ns` are two writers, as two
   * regions would be, sharing one state.
   */
  open(ns: string): Promise<StateStore>;
}

export interface ContractContext {
  /** A namespace no other test uses. */
  ns(): string;
  open(ns: string): Promise<StateStore>;
  /** A store over a fresh namespace. */
  fresh(): Promise<StateStore>;
}
