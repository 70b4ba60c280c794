import { devCommand, devUsage } from './commands/dev.ts';
import { dlqUsage } from './commands/dlq-usage.ts';
import { makeContext, type Context } from './commands/context.ts';
import { loadEnv } from './env.ts';
import { CliError } from './errors.ts';
import { type Io, processIo } from './io.ts';

type Command = (argv: string[], ctx: Context) => Promise<number>;

const lazy =
  (load: () => Promise<Command>): Command =>
  async (argv, ctx) =>
    (await load())(argv, ctx);

// Loaded on demand: `wamesh dev` must not pay for the store and NATS clients of `trace`.
const commands: Record<string, Command> = {
  dev: devCommand,
  provision: lazy(async () => (await import('./commands/provision.ts')).provisionCommand),
  status: lazy(async () => (await import('./commands/status.ts')).statusCommand),
  conversation: lazy(async () => (await import('./commands/status.ts')).conversationCommand),
  trace: lazy(async () => (await import('./commands/trace.ts')).traceCommand),
  simulate: lazy(async () => (await import('./commands/simulate.ts')).simulateCommand),
  dlq: lazy(async () => (await import('./commands/dlq.ts')).dlqCommand),
  bench: async (_argv, ctx) => {
    ctx.io.out('Benchmarks run from the workspace root: `pnpm bench` (or `make bench`): ingress and consumer throughput.');
    return 0;
  },
};

export const usage = `wamesh: WhatsApp webhook sequencing on NATS JetStream

${devUsage}

wamesh provision [--nats URL] [--regions a,b | --region R ...] [--shards N] [--replicas N] [--cluster C]
                 [--duplicate-window 2m] [--max-age 7d] [--kv-store] [--json]
    ensure streams, shard consumers and lease buckets of each region, each region's streams in
    the cluster named like it (idempotent; for compose/k8s jobs); NATS_URLS/NATS_USER/... apply
wamesh status <wamid> [--json]                         a message's joined status and what each status carried
wamesh conversation <phone_number_id> <wa_id> [--json] a conversation's latest inbound message
wamesh trace <wamid|wa_id> [--json]                    every event of that key from the event log, inversions marked
    these three read the running dev mesh (.wamesh/dev.json), or --nats URL / --mongo URI
wamesh simulate [--rate R] [--duration D] [--conversations C] [--jitter-ms J] [--duplicate-rate P]
                [--inversion-rate P] [--regions a,b] [--seed N] [--json]
                [--ingress region=url ... --app-secret S] [--nats URL | --mongo URI]
    signed webhooks with realistic lifecycles (default 50/s for 10s, 20 conversations) to the
    dev mesh's ingress (or the given ones), then a check that the store equals the reference
    join of what was sent; exits 1 on any mismatch or undelivered webhook
${dlqUsage}
wamesh bench                                           see \`pnpm bench\``;

export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.out(usage);
      return name === undefined ? 2 : 0;
    }
    const command = commands[name];
    if (!command) throw new CliError('USAGE', `wamesh: unknown command "${name}"; see \`wamesh --help\``);
    if (name !== 'dev' && (rest.includes('--help') || rest.includes('-h'))) {
      io.out(usage);
      return 0;
    }
    return await command(rest, makeContext(loadEnv(), io));
  } catch (err) {
    if (err instanceof CliError) {
      io.err(err.message);
      return err.exitCode;
    }
    io.err(`wamesh ${name}: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
