import { Option } from '@commander-js/extra-typings';
import { DEV_RELAY_ENDPOINT, DEV_RELAY_SECRET, durationArg, homeOption, httpUrlsArg, intArg, regionOption, regionsOption, webhookSecretArg } from '../options.ts';
import type { Register } from './register.ts';

export const registerDev: Register = (program, runner) => {
  program
    .command('dev')
    .summary('run a local multi-region mesh until Ctrl-C')
    .description(
      'Run a local multi-region mesh until Ctrl-C: per region a nats-server (joined into one super-cluster), ' +
        'an ingress and a consumer, and one relay delivering the change feed to --relay-endpoint (see ' +
        '`wamesh receive`); the state file (.wamesh/dev.json) tells the other commands where it is.',
    )
    .addOption(regionsOption('regions, one nats-server each (default us-east,eu-west,ap-south)'))
    .addOption(regionOption())
    .addOption(new Option('--shards <n>', 'shards per region').argParser(intArg(1, 4096)).default(16))
    .addOption(
      new Option('--port-base <p>', 'ingress P+i, consumer health P+10+i, relay metrics P+20, NATS from P+100').argParser(intArg(1024, 61_000)).default(8080),
    )
    .addOption(new Option('--app-secret <s>', 'app secret the ingress verifies signatures with').default('wamesh-dev-secret'))
    .addOption(new Option('--verify-token <t>', 'webhook verify token').default('wamesh-dev-token'))
    // No commander default: a parser that collects would append to it.
    .addOption(
      new Option('--relay-endpoint <url>', `where the relay POSTs the change feed; repeatable (default ${DEV_RELAY_ENDPOINT})`).argParser(
        httpUrlsArg,
      ),
    )
    .addOption(
      new Option('--relay-secret <whsec>', 'Standard Webhooks secret the relay signs with (printed at start)')
        .argParser(webhookSecretArg)
        .default(DEV_RELAY_SECRET, 'a fixed dev secret'),
    )
    .addOption(
      new Option('--relay-hold <duration>', "hold window of the relay's endpoints (e.g. 3s): an older message committed within it goes first").argParser(
        durationArg,
      ),
    )
    .addOption(new Option('--store <kind>', 'state store (default mongo when MONGODB_URI is set, else kv)').choices(['kv', 'mongo'] as const))
    .addOption(homeOption())
    .addOption(new Option('--log-level <level>', 'pino level of the services (default LOG_LEVEL, else info)'))
    .action(runner.action(async (ctx, flags) => (await import('../run/dev.ts')).devCommand(ctx, flags)));
};
