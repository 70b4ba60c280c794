import type { Command } from '@commander-js/extra-typings';
import type { Context } from './context.ts';

/** Turns a command's work into a commander action: it gets the context, its result is the exit code. */
export interface Runner {
  action<A extends unknown[]>(run: (ctx: Context, ...args: A) => Promise<number>): (...args: A) => Promise<void>;
}

/**
 * What a command file exports: it adds its command (flags, help, action) to the program.
 * Keep the file light: the action imports the work (NATS, store clients) when it runs, so
 * `wamesh --help` and `wamesh dev` do not load what `wamesh trace` needs.
 */
export type Register = (program: Command, runner: Runner) => void;
