// What `dlq` and `quarantine` share: a connection to the target's NATS for the command's
// run, and the regions it works on.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Context } from './commands/context.ts';
import { CliError } from './errors.ts';
import { connectTo, natsConfig } from './nats.ts';
import { regionsOf } from './options.ts';
import { discoverRegions, type RegionStreamKind } from './streams.ts';
import { resolveTarget, type Target } from './target.ts';

export interface StreamCommandFlags {
  nats?: string;
  home?: string;
  region?: string[];
  regions?: string[];
}

/** Runs `run` with a connection to the target's NATS (flags, dev mesh, NATS_URLS); always closes it. */
export async function withNats(
  ctx: Context,
  flags: StreamCommandFlags,
  name: string,
  run: (nc: NatsConnection, target: Target) => Promise<number>,
): Promise<number> {
  const target = resolveTarget(ctx, flags);
  if (target.natsUrls.length === 0) throw new CliError('E_NO_MESH', `${name}: its streams live in NATS: --nats nats://host:4222 or NATS_URLS`);
  const nc = await connectTo(natsConfig(ctx.env, target.natsUrls, name));
  try {
    return await run(nc, target);
  } finally {
    await nc.close().catch(() => {});
  }
}

const NONE_FOUND: Record<RegionStreamKind, string> = {
  dead: 'no dead-letter streams (WADLQ_*) on this NATS: name a region with --region, or provision it',
  quarantine: 'no quarantine streams (WAQUAR_*) on this NATS: name a region with --region, or provision it',
};

/** --region flags, else the dev mesh's regions, else every region with a stream of this kind on that NATS. */
export async function regionsFor(flags: StreamCommandFlags, target: Target, nc: NatsConnection, kind: RegionStreamKind): Promise<string[]> {
  const named = regionsOf(flags);
  if (named.length) return named;
  if (target.dev) return target.dev.regions.map((r) => r.region);
  const found = await discoverRegions(await jetstreamManager(nc), kind);
  if (found.length === 0) throw new CliError('E_NOT_FOUND', NONE_FOUND[kind]);
  return found;
}
