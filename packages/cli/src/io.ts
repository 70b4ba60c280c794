/** Where a command writes: stdout lines, stderr lines, and what kind of terminal they reach. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (colour is only for terminals). */
  outTTY: boolean;
  /** The terminal progress bars draw on: stderr when it is one, else none (no bar at all). */
  barStream?: NodeJS.WritableStream;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  outTTY: process.stdout.isTTY === true,
  ...(process.stderr.isTTY ? { barStream: process.stderr } : {}),
};
