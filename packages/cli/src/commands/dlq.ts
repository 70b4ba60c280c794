import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { bool, int, list, type OptionSpec, type Parsed, parse, regionList, str } from '../args.ts';
import { discoverRegions, dlqState, scanDeadLetters, viewOf } from '../dlq/letters.ts';
import { inputShards, type RegionReplay, refusal, replayRegion } from '../dlq/replay.ts';
import { CliError } from '../errors.ts';
import { connectTo, natsConfig } from '../nats.ts';
import { resolveTarget, type Target } from '../target.ts';
import { formatListing, formatReplay, type RegionListing, sumTallies } from '../view/dlq.ts';
import type { Context } from './context.ts';
import { dlqUsage } from './dlq-usage.ts';

const common = {
  nats: { type: 'string' },
  home: { type: 'string' },
  region: { type: 'string', multiple: true },
  regions: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

export async function dlqCommand(argv: string[], ctx: Context): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return listCommand(rest, ctx);
  if (sub === 'replay') return replayCommand(rest, ctx);
  throw new CliError('USAGE', `usage:\n${dlqUsage}`);
}

async function listCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('dlq list', argv, { ...common, limit: { type: 'string' } });
  noPositionals('dlq list', p);
  const limit = int(p, 'limit', 100, 0, 1_000_000);
  return withNats(ctx, p, 'wamesh dlq list', async (nc, target) => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const listings: RegionListing[] = [];
    for (const region of await regionsOf(p, target, nc)) {
      const state = await dlqState(jsm, region);
      const shards = await inputShards(jsm, region);
      const listing: RegionListing = { ...state, messages: [] };
      for await (const dl of scanDeadLetters(js, state, limit)) {
        const view = viewOf(dl);
        const why = refusal(region, view.originalSubject, shards);
        listing.messages.push({ ...view, replayable: why === null, refusal: why });
      }
      listings.push(listing);
    }
    if (bool(p, 'json')) {
      ctx.io.out(JSON.stringify({ total: listings.reduce((n, l) => n + l.count, 0), regions: listings }, null, 2));
    } else for (const line of formatListing(listings, ctx.style())) ctx.io.out(line);
    return 0;
  });
}

async function replayCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('dlq replay', argv, { ...common, seq: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } });
  noPositionals('dlq replay', p);
  const seqs = list(p, 'seq').map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new CliError('USAGE', `--seq wants a dead-letter stream sequence (1, 2, …), got "${s}"`);
    return n;
  });
  const dryRun = bool(p, 'dry-run');
  return withNats(ctx, p, 'wamesh dlq replay', async (nc, target) => {
    const regions = await regionsOf(p, target, nc);
    if (seqs.length && regions.length !== 1) {
      throw new CliError('USAGE', `--seq numbers belong to one region's dead-letter stream: name it with --region (have ${regions.join(', ')})`);
    }
    const results: RegionReplay[] = [];
    for (const region of regions) {
      results.push(await replayRegion(nc, region, { dryRun, ...(seqs.length ? { seqs: [...new Set(seqs)] } : {}) }));
    }
    const total = sumTallies(results.map((r) => r.tally));
    if (bool(p, 'json')) ctx.io.out(JSON.stringify({ dryRun, total, regions: results }, null, 2));
    else for (const line of formatReplay(results, dryRun, ctx.style())) ctx.io.out(line);
    return total.refused || total.failed || total.notFound ? 1 : 0;
  });
}

function noPositionals(command: string, p: Parsed): void {
  if (p.positionals.length) throw new CliError('USAGE', `wamesh ${command}: unexpected argument "${p.positionals[0]}"`);
}

async function withNats(
  ctx: Context,
  p: Parsed,
  name: string,
  run: (nc: NatsConnection, target: Target) => Promise<number>,
): Promise<number> {
  const target = resolveTarget(ctx, { nats: str(p, 'nats'), home: str(p, 'home') });
  if (target.natsUrls.length === 0) throw new CliError('NO_MESH', `${name}: dead letters live in NATS: --nats nats://host:4222 or NATS_URLS`);
  const nc = await connectTo(natsConfig(ctx.env, target.natsUrls, name));
  try {
    return await run(nc, target);
  } finally {
    await nc.close().catch(() => {});
  }
}

/** --region flags, else the dev mesh's regions, else every region with a WADLQ_* stream. */
async function regionsOf(p: Parsed, target: Target, nc: NatsConnection): Promise<string[]> {
  const named = regionList({ values: { regions: [...list(p, 'regions'), ...list(p, 'region')] }, positionals: [] }, 'regions', []);
  if (named.length) return named;
  if (target.dev) return target.dev.regions.map((r) => r.region);
  const found = await discoverRegions(await jetstreamManager(nc));
  if (found.length === 0) throw new CliError('NOT_FOUND', 'no dead-letter streams (WADLQ_*) on this NATS: name a region with --region, or provision it');
  return found;
}
