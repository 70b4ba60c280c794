import { readCommand } from './read.ts';
import type { Register } from './register.ts';

export const registerStatus: Register = (program, runner) => {
  readCommand(program, 'status', "a message's joined status and what each status carried")
    .argument('<wamid>', 'the message id')
    .action(runner.action(async (ctx, wamid, flags) => (await import('../run/status.ts')).statusCommand(ctx, wamid, flags)));
};
