// What `dlq` and `quarantine` share: a connection to the target's NATS for the command's
// run, the regions it works on, and the shape of their `list`.
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Context } from './commands/context.ts';
import { CliError } from './errors.ts';
import { connectTo, natsConfig } from './nats.ts';
import { regionsOf } from './options.ts';
import { discoverRegions, type RegionStreamKind } from './streams.ts';
import { resolveTarget, type Target } from './target.ts';
import type { Style } from './view/style.ts';

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

/**
 * A `list` over per-region streams: each region's listing (`listRegion`), printed as JSON
 * ({ total, regions }) or as `format` lays it out.
 */
export async function listRegions<L extends { count: number }>(
  ctx: Context,
  flags: StreamCommandFlags & { json?: true },
  name: string,
  kind: RegionStreamKind,
  format: (listings: L[], style: Style) => string[],
  listRegion: (js: JetStreamClient, jsm: JetStreamManager, region: string) => Promise<L>,
): Promise<number> {
  return withNats(ctx, flags, name, async (nc, target) => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const listings: L[] = [];
    for (const region of await regionsFor(flags, target, nc, kind)) listings.push(await listRegion(js, jsm, region));
    if (flags.json) {
      ctx.io.out(JSON.stringify({ total: listings.reduce((n, l) => n + l.count, 0), regions: listings }, null, 2));
    } else for (const line of format(listings, ctx.style())) ctx.io.out(line);
    return 0;
  });
}
