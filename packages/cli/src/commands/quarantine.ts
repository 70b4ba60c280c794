import { Option } from '@commander-js/extra-typings';
import { homeOption, intArg, jsonOption, natsOption, regionOption, regionsOption, seqArg } from '../options.ts';
import type { Register } from './register.ts';

const where =
  'Reads the dev mesh (.wamesh/dev.json), or --nats URL / NATS_URLS; without --region, every region of ' +
  'the dev mesh, or every WAQUAR_* stream on that NATS.';

export const registerQuarantine: Register = (program, runner) => {
  const quarantine = program
    .command('quarantine')
    .summary('list and replay quarantined webhook bodies (streams WAQUAR_<region>)')
    .description(
      'Signed webhook bodies with parts the ingress could not sequence (stream WAQUAR_<region>): the exact ' +
        'bytes, with the path and reason of each rejected part. List them; replay them after an upgrade.',
    )
    .addHelpText('after', '\nSee `wamesh quarantine list --help` and `wamesh quarantine replay --help`.');

  quarantine
    .command('list')
    .summary('quarantined bodies of each region, with the rejected paths and reasons')
    .description(
      'Quarantined bodies of each region: how many, then per body (the first --limit) its stream seq, the ' +
        'region and time it was received, its trace id (from traceparent), size, how many parts were rejected ' +
        'and each rejected path with its reason (text: the first 5; --json: all, with traceparent and msg id).\n' +
        where,
    )
    .addOption(natsOption())
    .addOption(homeOption())
    .addOption(regionsOption('regions to list'))
    .addOption(regionOption())
    .addOption(new Option('--limit <n>', 'bodies listed per region').argParser(intArg(0, 1_000_000)).default(100))
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/quarantine.ts')).quarantineListCommand(ctx, flags)));

  quarantine
    .command('replay')
    .summary('run quarantined bodies through the current code: publish what parses now, keep what still fails')
    .description(
      'Run each quarantined body (all, or the given seqs of one region) through the parser of this version, ' +
        'looking only at the parts rejected back then (the rest was stored when it arrived). What parses now ' +
        'is published with the original region, receive time and traceparent (events to WA_<region>, other ' +
        'fields to WAFIELD_<region>); after every PubAck the body leaves quarantine. When some parts still fail, ' +
        'the body is stored again with the new reasons (Nats-Msg-Id <hash>:r<seq>) and the old record deleted; ' +
        'when nothing changed it stays as it is. Nothing is deleted before its publishes are acknowledged; a ' +
        'run stopped midway is safe to repeat (deterministic ids). Exits 1 when anything failed or was not found.\n' +
        where,
    )
    .addOption(natsOption())
    .addOption(homeOption())
    .addOption(regionsOption('regions to replay'))
    .addOption(regionOption())
    .addOption(new Option('--seq <n>', "only this sequence of the region's quarantine stream; repeatable").argParser(seqArg))
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/quarantine.ts')).quarantineReplayCommand(ctx, flags)));
};
