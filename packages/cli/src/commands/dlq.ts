import { Option } from '@commander-js/extra-typings';
import { homeOption, intArg, jsonOption, natsOption, regionOption, regionsOption, seqArg } from '../options.ts';
import type { Register } from './register.ts';

const where =
  'Reads the dev mesh (.wamesh/dev.json), or --nats URL / NATS_URLS; without --region, every region of ' +
  'the dev mesh, or every WADLQ_* stream on that NATS.';

export const registerDlq: Register = (program, runner) => {
  const dlq = program
    .command('dlq')
    .summary('list and replay dead letters (streams WADLQ_<region>)')
    .description('Dead letters of each region (stream WADLQ_<region>): list them, put them back.')
    .addHelpText('after', '\nSee `wamesh dlq list --help` and `wamesh dlq replay --help`.');

  dlq
    .command('list')
      .summary('dead letters of each region, and whether replay would take each')
      .description(
        'Dead letters of each region: how many, then per message (the first --limit) its stream seq, ' +
          'original subject, reason, event id, when it was dead-lettered, and whether `dlq replay` would take it.\n' +
          where,
    )
    .addOption(natsOption())
    .addOption(homeOption())
    .addOption(regionsOption('regions to list'))
    .addOption(regionOption())
    .addOption(new Option('--limit <n>', 'messages listed per region').argParser(intArg(0, 1_000_000)).default(100))
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/dlq.ts')).dlqListCommand(ctx, flags)));

  dlq
    .command('replay')
      .summary('put dead letters back on their input subject, then delete them from the DLQ')
      .description(
        'Put dead letters (all, or the given seqs of one region) back on their original input subject ' +
          '(Wa-Dead-Subject) with their original headers (traceparent, Wa-Region, Wa-Received-At), await each ' +
          'PubAck, and only then delete the message from WADLQ_<region>; the consumer applies it again (its ' +
          'writes are joins, its event log records an event once). ' +
          "The replay's Nats-Msg-Id is <eventId>:replay:<dlq seq>, not the event id: the event id would fall " +
          "into the input stream's duplicate window and be dropped when the original was published recently; " +
          'an interrupted replay run again sends the same id, which JetStream drops, and the message is then ' +
          "deleted. Only wa.<R>.msg.<n> / wa.<R>.status.<n> of the stream's own region (with a shard consumer) " +
          'are replayed: anything else (field events, another region\'s inputs) is refused and kept. A poison message (listed without ' +
          'an event id, or with an "invalid ..." reason) comes back to the DLQ unless the consumer now accepts it: ' +
          'pick what to replay with --seq. Exits 1 when anything was refused, failed or not found.\n' +
          where,
    )
    .addOption(natsOption())
    .addOption(homeOption())
    .addOption(regionsOption('regions to replay'))
    .addOption(regionOption())
    .addOption(new Option('--seq <n>', "only this sequence of the region's dead-letter stream; repeatable").argParser(seqArg))
    .addOption(new Option('--dry-run', 'show what would happen and change nothing'))
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/dlq.ts')).dlqReplayCommand(ctx, flags)));
};
