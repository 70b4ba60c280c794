/** Stable codes callers (and tests) can branch on; the exit code follows from the code. */
export type CliErrorCode =
  | 'USAGE'
  | 'PORT_TAKEN'
  | 'NATS_SERVER_MISSING'
  | 'NO_MESH'
  | 'NOT_FOUND'
  | 'START_FAILED'
  | 'MISMATCH';

const exitCodes: Record<CliErrorCode, number> = {
  USAGE: 2,
  PORT_TAKEN: 3,
  NATS_SERVER_MISSING: 3,
  NO_MESH: 4,
  NOT_FOUND: 5,
  START_FAILED: 6,
  MISMATCH: 1,
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
