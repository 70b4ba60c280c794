import { readCommand } from './read.ts';
import type { Register } from './register.ts';

export const registerStatus: Register = (program, runner) => {
  readCommand(program, 'status', "a message's joined status and what each status carried (a user's: every message sent to them)")
    .argument('<key>', 'a wamid, or a user identifier (wa_id, BSUID, username) for every message sent to that user')
    .action(runner.action(async (ctx, key, flags) => (await import('../run/status.ts')).statusCommand(ctx, key, flags)));
};
