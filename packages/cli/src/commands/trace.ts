import { readCommand } from './read.ts';
import type { Register } from './register.ts';

export const registerTrace: Register = (program, runner) => {
  readCommand(program, 'trace', 'every event of a key from the event log, inversions marked; exits 5 when there is none')
    .argument('<key>', "a wamid, or any identifier of a user (wa_id, BSUID, username) for every event of theirs")
    .action(runner.action(async (ctx, key, flags) => (await import('../run/trace.ts')).traceCommand(ctx, key, flags)));
};
