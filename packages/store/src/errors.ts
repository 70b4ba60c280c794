/** Base of every error the store raises on purpose: callers branch on `code`. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A compare-and-set kept losing to other writers; the batch should be retried (nak). */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
  constructor(key: string, attempts: number, options?: ErrorOptions) {
    super('STORE_CAS_EXHAUSTED', `compare-and-set on ${key} lost ${attempts} times in a row`, options);
  }
}

/** The store was configured in a way it cannot run with. */
export class StoreConfigError extends StoreError {
  override name = 'StoreConfigError';
  constructor(message: string) {
    super('STORE_CONFIG', message);
  }
}
