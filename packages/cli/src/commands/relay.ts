import { Argument, Option } from '@commander-js/extra-typings';
import { durationArg, homeOption, jsonOption, natsOption, seqArg } from '../options.ts';
import type { Register } from './register.ts';

const where = "Reads the dev mesh (.wamesh/dev.json), or --nats URL / NATS_URLS: the NATS the relay runs on.";
const endpointOption = (what: string) => new Option('--endpoint <name>', what);
const waitOption = () =>
  new Option('--wait <duration>', 'how long to wait for the relay to carry each decision out').argParser(durationArg).default(10_000, '10s');
const seqArgument = () => new Argument('<seq...>', "RELAYDLQ sequences, as `relay dlq list` shows them (also 3,5)").argParser(seqArg);

export const registerRelay: Register = (program, runner) => {
  const relay = program
    .command('relay')
    .summary("the relay's dead letters (stream RELAYDLQ)")
    .description(
      'The relay delivers the change feed to HTTP endpoints, per key in order. An entry an endpoint refused ' +
        '(a 4xx other than 408/429) or that kept failing is copied to its dead letters (stream RELAYDLQ); by ' +
        'default its key then waits (strict order) until an operator replays or skips it.',
    )
    .addHelpText('after', '\nSee `wamesh relay dlq --help`.');

  const dlq = relay
    .command('dlq')
    .summary('list, replay or skip the dead letters of the endpoints')
    .description("Dead letters of the relay's endpoints: list them; deliver one again (`replay`) or move its key on (`skip`).")
    .addHelpText('after', '\nSee `wamesh relay dlq list --help`, `wamesh relay dlq replay --help` and `wamesh relay dlq skip --help`.');

  dlq
    .command('list')
    .summary('dead letters per endpoint, with why they failed')
    .description(
      'Dead letters per endpoint, oldest first: RELAYDLQ seq, kind, key, the per-key feed number, region, ' +
        'attempts, entry id and the reason, and a decision the relay has not carried out yet.\n' +
        where,
    )
    .addOption(natsOption())
    .addOption(homeOption())
    .addOption(endpointOption('only this endpoint'))
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/relay.ts')).relayDlqListCommand(ctx, flags)));

  const decide = (name: 'replay' | 'skip', summary: string, description: string) =>
    dlq
      .command(name)
      .summary(summary)
      .description(
        `${description} The decision is recorded for the relay that owns the endpoint; once it has carried it ` +
          'out (within --wait) the dead letter is deleted. Otherwise it stays, listed with its decision pending, ' +
          'and the relay carries it out when it next holds the entry blocked. Exits 1 when a seq was not found ' +
          'or a decision is still pending.\n' +
          where,
      )
      .addArgument(seqArgument())
      .addOption(natsOption())
      .addOption(homeOption())
      .addOption(endpointOption('only dead letters of this endpoint'))
      .addOption(waitOption())
      .addOption(jsonOption())
      .action(runner.action(async (ctx, seqs, flags) => (await import('../run/relay.ts')).relayDlqDecideCommand(ctx, name, seqs, flags)));

  decide(
    'replay',
    'deliver dead letters again (after the endpoint is fixed)',
    'Deliver each entry again, with fresh attempts; its key stays blocked behind it until it is delivered.',
  );
  decide(
    'skip',
    'give up on dead letters: their keys move on',
    "Give up on each entry: its key's later entries are delivered; the entry itself never is.",
  );
};
