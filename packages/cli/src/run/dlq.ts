import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { dlqState, viewOf } from '../dlq/letters.ts';
import { type RegionReplay, refusal, replayRegion } from '../dlq/replay.ts';
import { CliError } from '../errors.ts';
import { listRegions, regionsFor, type StreamCommandFlags, withNats } from '../stream-command.ts';
import { inputShards, scanStream } from '../streams.ts';
import { formatListing, formatReplay, type RegionListing, sumTallies } from '../view/dlq.ts';
import type { Context } from '../commands/context.ts';
import { progressBar, showsBar } from '../view/progress.ts';

export interface DlqFlags extends StreamCommandFlags {
  json?: true;
}

export function dlqListCommand(ctx: Context, flags: DlqFlags & { limit: number }): Promise<number> {
  return listRegions(ctx, flags, 'wamesh dlq list', 'dead', formatListing, async (js, jsm, region) => {
    const state = await dlqState(jsm, region);
    const shards = await inputShards(jsm, region);
    const listing: RegionListing = { ...state, messages: [] };
    for await (const dl of scanStream(js, state, flags.limit)) {
      const view = viewOf(dl);
      const why = refusal(region, view.originalSubject, shards);
      listing.messages.push({ ...view, replayable: why === null, refusal: why });
    }
    return listing;
  });
}

export async function dlqReplayCommand(ctx: Context, flags: DlqFlags & { seq?: number[]; dryRun?: true }): Promise<number> {
  const seqs = flags.seq ?? [];
  const dryRun = flags.dryRun === true;
  return withNats(ctx, flags, 'wamesh dlq replay', async (nc, target) => {
    const regions = await regionsFor(flags, target, nc, 'dead');
    if (seqs.length && regions.length !== 1) {
      throw new CliError('E_USAGE', `--seq numbers belong to one region's dead-letter stream: name it with --region (have ${regions.join(', ')})`);
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
