import { CodedError } from '@wamesh/core';

export type StoreErrorCode = 'E_STORE_CONFIG' | 'E_STORE_CAS_EXHAUSTED' | 'E_STORE_NOT_INITIALIZED';

/** Base of every error the store raises on purpose: callers branch on `code`. */
export class StoreError extends CodedError<StoreErrorCode> {
  override name = 'StoreError';
}

/** A compare-and-set kept losing to other writers; the batch should be retried (nak). */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(key: string, attempts: number, options?: ErrorOptions) {
    super('E_STORE_CAS_EXHAUSTED', `compare-and-set on ${key} lost ${attempts} times in a row`, options);
  }
}

/** The store was configured in a way it cannot run with. */
export class StoreConfigError extends StoreError {
  override name = 'StoreConfigError';
  constructor(message: string) {
    super('E_STORE_CONFIG', message);
  }
}
