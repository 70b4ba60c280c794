/** Programmer errors raised by core (bad arguments), with a stable code callers can branch on. */
export class CoreError extends Error {
  override name = 'CoreError';
  readonly code: 'E_SHARDS' | 'E_REGION' | 'E_KIND' | 'E_SPEC';
  constructor(code: CoreError['code'], message: string) {
    super(message);
    this.code = code;
  }
}
