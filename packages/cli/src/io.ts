/** Where a command writes: stdout lines, stderr lines, and whether stdout is a terminal. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current stderr line (progress bars); only used when errTTY. */
  status(line: string): void;
  outTTY: boolean;
  errTTY: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  status: (line) => process.stderr.write(`\r\x1b[2K${line}`),
  outTTY: process.stdout.isTTY === true,
  errTTY: process.stderr.isTTY === true,
};
