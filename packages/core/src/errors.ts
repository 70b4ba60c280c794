/**
 * Base of the errors every package raises on purpose: a stable `code` in the repo's one
 * scheme (E_*), so callers branch on the code or the class, never on the message.
 */
export class CodedError<C extends `E_${string}`> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Programmer errors raised by core (bad arguments). */
export class CoreError extends CodedError<'E_SHARDS' | 'E_REGION' | 'E_KIND' | 'E_SPEC'> {
  override name = 'CoreError';
}
