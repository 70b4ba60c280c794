import type { Command } from '@commander-js/extra-typings';
import { homeOption, jsonOption, mongoOption, natsOption } from '../options.ts';

const where = 'Reads the running dev mesh (.wamesh/dev.json), or --nats URL (kv store) / --mongo URI.';

/** A read command: its summary, where it reads from, and the flags every read command takes. */
export function readCommand(program: Command, name: string, summary: string) {
  return program
    .command(name)
    .summary(summary)
    .description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.\n${where}`)
    .addOption(natsOption())
    .addOption(mongoOption())
    .addOption(homeOption())
    .addOption(jsonOption());
}
