import { Option } from '@commander-js/extra-typings';
import { homeOption, intArg, regionOption, regionsOption } from '../options.ts';
import type { Register } from './register.ts';

export const registerDev: Register = (program, runner) => {
  program
    .command('dev')
    .summary('run a local multi-region mesh until Ctrl-C')
    .description(
      'Run a local multi-region mesh until Ctrl-C: per region a nats-server (joined into one super-cluster), ' +
        'an ingress and a consumer; the state file (.wamesh/dev.json) tells the other commands where it is.',
    )
    .addOption(regionsOption('regions, one nats-server each (default us-east,eu-west,ap-south)'))
    .addOption(regionOption())
    .addOption(new Option('--shards <n>', 'shards per region').argParser(intArg(1, 4096)).default(16))
    .addOption(
      new Option('--port-base <p>', 'ingress P+i, consumer health P+10+i, NATS from P+100').argParser(intArg(1024, 61_000)).default(8080),
    )
    .addOption(new Option('--app-secret <s>', 'app secret the ingress verifies signatures with').default('wamesh-dev-secret'))
    .addOption(new Option('--verify-token <t>', 'webhook verify token').default('wamesh-dev-token'))
    .addOption(new Option('--store <kind>', 'state store (default mongo when MONGODB_URI is set, else kv)').choices(['kv', 'mongo'] as const))
    .addOption(homeOption())
    .addOption(new Option('--log-level <level>', 'pino level of the services (default LOG_LEVEL, else info)'))
    .action(runner.action(async (ctx, flags) => (await import('../run/dev.ts')).devCommand(ctx, flags)));
};
