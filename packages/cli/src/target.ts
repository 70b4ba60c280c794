// Where the read commands (status, conversation, trace) and simulate find the mesh: flags
// first, then the running dev mesh's state file, then the environment.
import type { NatsConnection } from '@nats-io/nats-core';
import type { StateStore } from '@wamesh/store';
import type { Context } from './commands/context.ts';
import { CliError } from './errors.ts';
import { connectTo, natsConfig } from './nats.ts';
import { type DevState, readDevState, stateFile } from './state.ts';

export interface Target {
  natsUrls: string[];
  mongoUri?: string;
  mongoDb: string;
  source: 'flags' | 'dev mesh' | 'environment';
  dev?: DevState;
}

export interface TargetFlags {
  nats?: string | undefined;
  mongo?: string | undefined;
  home?: string | undefined;
}

const split = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function resolveTarget(ctx: Context, flags: TargetFlags): Target {
  const mongoDb = ctx.env.MONGODB_DB;
  if (flags.nats || flags.mongo) {
    const t: Target = { natsUrls: split(flags.nats ?? ctx.env.NATS_URLS ?? ''), mongoDb, source: 'flags' };
    if (flags.mongo) t.mongoUri = flags.mongo;
    return t;
  }
  const home = ctx.home(flags.home);
  const dev = readDevState(home);
  if (dev) {
    const t: Target = { natsUrls: dev.regions.map((r) => r.natsUrl), mongoDb: dev.mongoDb ?? mongoDb, source: 'dev mesh', dev };
    if (dev.store === 'mongo' && dev.mongoUri) t.mongoUri = dev.mongoUri;
    return t;
  }
  if (ctx.env.NATS_URLS || ctx.env.MONGODB_URI) {
    const t: Target = { natsUrls: split(ctx.env.NATS_URLS ?? ''), mongoDb, source: 'environment' };
    if (ctx.env.MONGODB_URI) t.mongoUri = ctx.env.MONGODB_URI;
    return t;
  }
  throw new CliError(
    'E_NO_MESH',
    `no running dev mesh (${stateFile(home)}) and no --nats/--mongo: start one with \`pnpm wamesh dev\`, ` +
      'or pass --nats nats://host:4222 (kv store) or --mongo mongodb://... (mongo store)',
  );
}

/** Opens the store the target names; `close` also closes the NATS connection it made (`nc`, kv store only). */
export async function openStore(ctx: Context, target: Target): Promise<{ store: StateStore; nc?: NatsConnection; close(): Promise<void> }> {
  const { createStore } = await import('@wamesh/store');
  if (target.mongoUri) {
    const store = createStore({ mongodbUri: target.mongoUri, mongodbDb: target.mongoDb });
    return { store, close: () => store.close() };
  }
  if (target.natsUrls.length === 0) throw new CliError('E_NO_MESH', 'no NATS URL to read the kv store from (--nats)');
  const nc = await connectTo(natsConfig(ctx.env, target.natsUrls, 'wamesh-cli'));
  const store = createStore({ nc });
  await store.init();
  return {
    store,
    nc,
    close: async () => {
      await store.close().catch(() => {});
      await nc.close().catch(() => {});
    },
  };
}
