import { Option } from '@commander-js/extra-typings';
import { bytesArg, durationArg, homeOption, intArg, jsonOption, natsOption, regionOption, regionsOption } from '../options.ts';
import type { Register } from './register.ts';

export const registerProvision: Register = (program, runner) => {
  program
    .command('provision')
    .summary("ensure each region's streams, shard consumers and lease buckets (idempotent)")
    .description(
      "Ensure the streams, shard consumers and lease buckets of each region, each region's streams in " +
        'the cluster named like it (idempotent; for compose/k8s jobs). NATS_URLS, NATS_USER, NATS_PASS, ' +
        'NATS_TOKEN, NATS_CREDS and NATS_TLS_* apply. Settings that cannot change in place are reported as drift.',
    )
    .addOption(natsOption())
    .addOption(regionsOption("regions to provision (default the dev mesh's)"))
    .addOption(regionOption())
    .addOption(new Option('--shards <n>', "shards per region (default the dev mesh's, else 16)").argParser(intArg(1, 4096)))
    .addOption(new Option('--replicas <n>', 'stream and bucket replicas').argParser(intArg(1, 5)).default(1))
    .addOption(new Option('--cluster <name>', "place the (one) region's streams in this cluster"))
    .addOption(new Option('--duplicate-window <d>', 'JetStream duplicate window (default 2m)').argParser(durationArg))
    .addOption(new Option('--max-age <d>', 'how long streams keep messages (default 7d)').argParser(durationArg))
    .addOption(new Option('--quarantine-max-age <d>', 'how long quarantine keeps a body (default 30d)').argParser(durationArg))
    .addOption(
      new Option('--quarantine-max-bytes <size>', 'quarantine size per region, e.g. 512MiB (default); when full, the ingress answers 503').argParser(
        bytesArg,
      ),
    )
    .addOption(new Option('--kv-store', "also create the kv store's buckets"))
    .addOption(homeOption())
    .addOption(jsonOption())
    .action(runner.action(async (ctx, flags) => (await import('../run/provision.ts')).provisionCommand(ctx, flags)));
};
