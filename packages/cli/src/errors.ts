/** Stable codes (the repository's `E_*` scheme) callers can branch on; the exit code follows from the code. */
export type CliErrorCode =
  | 'E_USAGE'
  | 'E_PORT_TAKEN'
  | 'E_NATS_SERVER_MISSING'
  | 'E_NO_MESH'
  | 'E_NOT_FOUND'
  | 'E_START_FAILED'
  | 'E_MISMATCH';

const exitCodes: Record<CliErrorCode, number> = {
  E_USAGE: 2,
  E_PORT_TAKEN: 3,
  E_NATS_SERVER_MISSING: 3,
  E_NO_MESH: 4,
  E_NOT_FOUND: 5,
  E_START_FAILED: 6,
  E_MISMATCH: 1,
};

/** An error meant for the person at the terminal: its message is printed as it is. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.code = code;
  }
  get exitCode(): number {
    return exitCodes[this.code];
  }
}
