import type { Io } from './io.ts';

/** An Io that keeps what a command printed, for in-process command tests. */
export function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    outTTY: false,
  };
}
