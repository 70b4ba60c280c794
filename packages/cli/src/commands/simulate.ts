import { Option } from '@commander-js/extra-typings';
import {
  durationArg,
  homeOption,
  intArg,
  jsonOption,
  listArg,
  mongoOption,
  natsOption,
  numArg,
  regionOption,
  regionsOption,
} from '../options.ts';
import type { Register } from './register.ts';

export const registerSimulate: Register = (program, runner) => {
  program
    .command('simulate')
    .summary('signed webhooks with realistic lifecycles, then a check of the store against the reference join')
    .description(
      "Send signed webhooks with realistic lifecycles to the dev mesh's ingress (or the given ones), out " +
        'of order, duplicated and spread over regions; wait for the consumers to drain; then check that the ' +
        'store equals the reference join of what was sent. Exits 1 on any mismatch or undelivered webhook.',
    )
    .addOption(new Option('--rate <r>', 'webhooks per second').argParser(numArg(0.1, 100_000)).default(50))
    .addOption(new Option('--duration <d>', 'how long to send, e.g. 10s, 2m').argParser(durationArg).default(10_000, '10s'))
    .addOption(new Option('--conversations <n>', 'distinct conversations').argParser(intArg(1, 100_000)).default(20))
    .addOption(new Option('--jitter-ms <j>', 'random delay added to each send').argParser(numArg(0, 600_000)).default(250))
    .addOption(new Option('--duplicate-rate <p>', 'share of webhooks sent twice').argParser(numArg(0, 1)).default(0.05))
    .addOption(new Option('--inversion-rate <p>', 'share of statuses sent before an earlier one').argParser(numArg(0, 1)).default(0.1))
    .addOption(regionsOption('regions to send to (default every ingress)'))
    .addOption(regionOption())
    .addOption(new Option('--seed <n>', 'random seed; the same seed replays the same scenario (default random)').argParser(intArg(0, 2 ** 32 - 1)))
    .addOption(new Option('--drain-timeout <d>', 'how long to wait for the consumers to drain').argParser(durationArg).default(60_000, '60s'))
    .addOption(new Option('--ingress <region=url>', 'an ingress to send to, instead of the dev mesh\'s; repeatable').argParser(listArg))
    .addOption(new Option('--targets <region=url>', 'same as --ingress').argParser(listArg))
    .addOption(new Option('--app-secret <s>', 'secret to sign with (default the dev mesh\'s, else the first of WA_APP_SECRETS)'))
    .addOption(new Option('--shards <n>', "shards per region of the mesh (default the dev mesh's, else 16)").argParser(intArg(1, 4096)))
    .addOption(natsOption())
    .addOption(mongoOption())
    .addOption(homeOption())
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/simulate.ts')).simulateCommand(ctx, flags)));
};
