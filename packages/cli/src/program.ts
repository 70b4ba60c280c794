import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { commands } from './commands/index.ts';
import type { Runner } from './commands/register.ts';
import type { Io } from './io.ts';

export const exitCodes = `Exit codes:
  0  ok
  1  a check failed (simulate found a mismatch, dlq replay refused or failed something)
  2  usage error: unknown command, unknown flag, bad or missing argument
  3  cannot start: a port is taken, nats-server is missing
  4  no mesh: no dev mesh, NATS or MongoDB to talk to
  5  not found: no such message, conversation, event or dead-letter stream
  6  a dev service failed to start`;

/** `wamesh dlq list`: the name a person types, for messages. */
function fullName(c: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let at: CommandUnknownOpts | null = c; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

function* allCommands(c: CommandUnknownOpts): Generator<CommandUnknownOpts> {
  yield c;
  for (const sub of c.commands) yield* allCommands(sub);
}

/**
 * The command tree. Commander throws instead of exiting (the caller turns its errors into
 * exit codes) and writes through `io`, so tests run it in-process.
 */
export function buildProgram(io: Io, runner: Runner): Command {
  const program = new Command('wamesh')
    .description('wamesh: WhatsApp webhook sequencing on NATS JetStream')
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText('after', `\nRun \`wamesh <command> --help\` for the flags of a command.\n\n${exitCodes}`);
  for (const register of commands) register(program, runner);
  for (const c of allCommands(program)) {
    const name = fullName(c);
    c.configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      // "error: unknown option '--x'" names the command it came from instead.
      outputError: (s, write) => write(s.replace(/^error: /, `${name}: `)),
    }).showHelpAfterError(`(see \`${name} --help\`)`);
  }
  return program;
}
