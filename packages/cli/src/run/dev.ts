import type { Context } from '../commands/context.ts';
import { runDev } from '../dev/front.ts';
import { type DevConfig, MAX_REGIONS } from '../dev/plan.ts';
import { inheritedEnv } from '../env.ts';
import { CliError } from '../errors.ts';
import { DEV_RELAY_ENDPOINT, regionsOf } from '../options.ts';

export interface DevFlags {
  regions?: string[];
  region?: string[];
  shards: number;
  portBase: number;
  appSecret: string;
  verifyToken: string;
  store?: 'kv' | 'mongo';
  home?: string;
  logLevel?: string;
  relayEndpoint?: string[];
  relaySecret: string;
  relayHold?: number;
}

export async function devCommand(ctx: Context, flags: DevFlags): Promise<number> {
  const named = regionsOf(flags);
  const regions = named.length ? named : ['us-east', 'eu-west', 'ap-south'];
  if (regions.length > MAX_REGIONS) throw new CliError('E_USAGE', `wamesh dev: at most ${MAX_REGIONS} regions`);
  const store = flags.store ?? (ctx.env.MONGODB_URI ? 'mongo' : 'kv');
  if (store === 'mongo' && !ctx.env.MONGODB_URI) {
    throw new CliError('E_USAGE', 'wamesh dev --store mongo needs MONGODB_URI (a replica set, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0)');
  }
  const cfg: DevConfig = {
    home: ctx.home(flags.home),
    regions,
    shards: flags.shards,
    portBase: flags.portBase,
    appSecret: flags.appSecret,
    verifyToken: flags.verifyToken,
    store,
    mongoDb: ctx.env.MONGODB_DB,
    natsBin: ctx.env.NATS_SERVER_BIN,
    logLevel: flags.logLevel ?? ctx.env.LOG_LEVEL,
    relay: {
      endpoints: flags.relayEndpoint ?? [DEV_RELAY_ENDPOINT],
      secret: flags.relaySecret,
      ...(flags.relayHold ? { holdMs: flags.relayHold } : {}),
    },
    baseEnv: inheritedEnv(),
  };
  if (store === 'mongo' && ctx.env.MONGODB_URI) cfg.mongoUri = ctx.env.MONGODB_URI;
  return runDev(cfg, ctx.io);
}
