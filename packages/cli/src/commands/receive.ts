import { Option } from '@commander-js/extra-typings';
import { DEV_RECEIVE_PORT, intArg, webhookSecretsArg } from '../options.ts';
import type { Register } from './register.ts';

export const registerReceive: Register = (program, runner) => {
  program
    .command('receive')
    .summary("an example HTTP receiver of the relay's deliveries: verifies and prints each entry")
    .description(
      "An example HTTP receiver of the relay's deliveries, until Ctrl-C. Each POST (any path) is verified " +
        'with the client\'s verifyWebhook (Standard Webhooks signature and timestamp) and answered 200, with one ' +
        'line on stdout per entry: kind, key, per-key seq, WhatsApp time, region, flags (reordered, late, ...). ' +
        "A delivery that does not verify is answered 401 (the relay dead-letters it) and named on stderr. " +
        '`wamesh dev` delivers to it by default: run both with their default flags.',
    )
    .addOption(new Option('--port <p>', 'port to listen on (0: any free one, printed)').argParser(intArg(0, 65_535)).default(DEV_RECEIVE_PORT))
    .addOption(new Option('--host <h>', 'address to listen on').default('127.0.0.1'))
    // No commander default: a parser that collects would append to it.
    .addOption(
      new Option('--secret <whsec>', "the endpoint's secret, repeatable during a rotation (default: wamesh dev's relay secret)").argParser(
        webhookSecretsArg,
      ),
    )
    .addOption(new Option('--json', 'print each verified entry as one JSON line'))
    .action(runner.action(async (ctx, flags) => (await import('../run/receive.ts')).receiveCommand(ctx, flags)));
};
