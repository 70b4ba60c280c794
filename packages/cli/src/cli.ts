import { CommanderError } from '@commander-js/extra-typings';
import { type Context, makeContext } from './commands/context.ts';
import type { Runner } from './commands/register.ts';
import { loadEnv } from './env.ts';
import { CliError } from './errors.ts';
import { type Io, processIo } from './io.ts';
import { buildProgram } from './program.ts';

/** Runs one wamesh command line; resolves with its exit code (see program.ts exitCodes). */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  let ctx: Context | undefined;
  const runner: Runner = {
    // The environment is read only when a command runs: `--help` works with a bad one.
    action:
      (run) =>
      async (...args) => {
        ctx ??= makeContext(loadEnv(), io);
        code = await run(ctx, ...args);
      },
  };
  try {
    await buildProgram(io, runner).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // Commander has printed its message (or the help) already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.err(err.message);
      return err.exitCode;
    }
    io.err(`wamesh ${argv[0] ?? ''}: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
