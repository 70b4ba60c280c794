import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { discoverRegions, dlqState, scanDeadLetters, viewOf } from '../dlq/letters.ts';
import { inputShards, type RegionReplay, refusal, replayRegion } from '../dlq/replay.ts';
import { CliError } from '../errors.ts';
import { connectTo, natsConfig } from '../nats.ts';
import { resolveTarget, type Target } from '../target.ts';
import { formatListing, formatReplay, type RegionListing, sumTallies } from '../view/dlq.ts';
import type { Context } from '../commands/context.ts';
import { regionsOf } from '../options.ts';
import { progressBar, showsBar } from '../view/progress.ts';

export interface DlqFlags {
  nats?: string;
  home?: string;
  region?: string[];
  regions?: string[];
  json?: true;
}

export async function dlqListCommand(ctx: Context, flags: DlqFlags & { limit: number }): Promise<number> {
  return withNats(ctx, flags, 'wamesh dlq list', async (nc, target) => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const listings: RegionListing[] = [];
    for (const region of await regionsFor(flags, target, nc)) {
      const state = await dlqState(jsm, region);
      const shards = await inputShards(jsm, region);
      const listing: RegionListing = { ...state, messages: [] };
      for await (const dl of scanDeadLetters(js, state, flags.limit)) {
        const view = viewOf(dl);
        const why = refusal(region, view.originalSubject, shards);
        listing.messages.push({ ...view, replayable: why === null, refusal: why });
      }
      listings.push(listing);
    }
    if (flags.json) {
      ctx.io.out(JSON.stringify({ total: listings.reduce((n, l) => n + l.count, 0), regions: listings }, null, 2));
    } else for (const line of formatListing(listings, ctx.style())) ctx.io.out(line);
    return 0;
  });
}

export async function dlqReplayCommand(ctx: Context, flags: DlqFlags & { seq?: number[]; dryRun?: true }): Promise<number> {
  const seqs = flags.seq ?? [];
  const dryRun = flags.dryRun === true;
  return withNats(ctx, flags, 'wamesh dlq replay', async (nc, target) => {
    const regions = await regionsFor(flags, target, nc);
    if (seqs.length && regions.length !== 1) {
      throw new CliError('USAGE', `--seq numbers belong to one region's dead-letter stream: name it with --region (have ${regions.join(', ')})`);
    }
    const letters = seqs.length || (showsBar(ctx.io, flags.json) ? await countDeadLetters(nc, regions) : 0);
    const bar = progressBar(ctx.io, letters, { label: 'dead letters', json: flags.json });
    let decided = 0;
    const results: RegionReplay[] = [];
    try {
      for (const region of regions) {
        const opts = { dryRun, onItem: () => bar.update(++decided), ...(seqs.length ? { seqs: [...new Set(seqs)] } : {}) };
        results.push(await replayRegion(nc, region, opts));
      }
    } finally {
      bar.stop();
    }
    const total = sumTallies(results.map((r) => r.tally));
    if (flags.json) ctx.io.out(JSON.stringify({ dryRun, total, regions: results }, null, 2));
    else for (const line of formatReplay(results, dryRun, ctx.style())) ctx.io.out(line);
    return total.refused || total.failed || total.notFound ? 1 : 0;
  });
}

/** How many dead letters the regions hold (the bar's total); a missing stream counts none here. */
async function countDeadLetters(nc: NatsConnection, regions: string[]): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let n = 0;
  for (const r of regions) n += await dlqState(jsm, r).then((s) => s.count, () => 0);
  return n;
}

async function withNats(
  ctx: Context,
  flags: DlqFlags,
  name: string,
  run: (nc: NatsConnection, target: Target) => Promise<number>,
): Promise<number> {
  const target = resolveTarget(ctx, flags);
  if (target.natsUrls.length === 0) throw new CliError('NO_MESH', `${name}: dead letters live in NATS: --nats nats://host:4222 or NATS_URLS`);
  const nc = await connectTo(natsConfig(ctx.env, target.natsUrls, name));
  try {
    return await run(nc, target);
  } finally {
    await nc.close().catch(() => {});
  }
}

/** --region flags, else the dev mesh's regions, else every region with a WADLQ_* stream. */
async function regionsFor(flags: DlqFlags, target: Target, nc: NatsConnection): Promise<string[]> {
  const named = regionsOf(flags);
  if (named.length) return named;
  if (target.dev) return target.dev.regions.map((r) => r.region);
  const found = await discoverRegions(await jetstreamManager(nc));
  if (found.length === 0) throw new CliError('NOT_FOUND', 'no dead-letter streams (WADLQ_*) on this NATS: name a region with --region, or provision it');
  return found;
}
