import { jetstreamManager } from '@nats-io/jetstream';
import type { Context } from '../commands/context.ts';
import { CliError } from '../errors.ts';
import { quarantineState, quarantineViewOf } from '../quarantine/items.ts';
import { type RegionQuarantineReplay, replayQuarantine } from '../quarantine/replay.ts';
import { listRegions, regionsFor, type StreamCommandFlags, withNats } from '../stream-command.ts';
import { scanStream } from '../streams.ts';
import { progressBar, showsBar } from '../view/progress.ts';
import { formatQuarantineListing, formatQuarantineReplay, type QuarantineListing, sumQuarantineTallies } from '../view/quarantine.ts';

export interface QuarantineFlags extends StreamCommandFlags {
  json?: true;
}

export function quarantineListCommand(ctx: Context, flags: QuarantineFlags & { limit: number }): Promise<number> {
  return listRegions(ctx, flags, 'wamesh quarantine list', 'quarantine', formatQuarantineListing, async (js, jsm, region) => {
    const state = await quarantineState(jsm, region);
    const listing: QuarantineListing = { ...state, bodies: [] };
    for await (const rec of scanStream(js, state, flags.limit)) listing.bodies.push(quarantineViewOf(rec));
    return listing;
  });
}

export async function quarantineReplayCommand(ctx: Context, flags: QuarantineFlags & { seq?: number[] }): Promise<number> {
  const seqs = flags.seq ?? [];
  return withNats(ctx, flags, 'wamesh quarantine replay', async (nc, target) => {
    const regions = await regionsFor(flags, target, nc, 'quarantine');
    if (seqs.length && regions.length !== 1) {
      throw new CliError('E_USAGE', `--seq numbers belong to one region's quarantine stream: name it with --region (have ${regions.join(', ')})`);
    }
    let total = seqs.length;
    if (!total && showsBar(ctx.io, flags.json)) {
      const jsm = await jetstreamManager(nc);
      for (const r of regions) total += (await quarantineState(jsm, r)).count;
    }
    const bar = progressBar(ctx.io, total, { label: 'quarantined bodies', json: flags.json });
    let decided = 0;
    const results: RegionQuarantineReplay[] = [];
    try {
      for (const region of regions) {
        const opts = { onItem: () => bar.update(++decided), ...(seqs.length ? { seqs: [...new Set(seqs)] } : {}) };
        results.push(await replayQuarantine(nc, region, opts));
      }
    } finally {
      bar.stop();
    }
    const sum = sumQuarantineTallies(results.map((r) => r.tally));
    if (flags.json) ctx.io.out(JSON.stringify({ total: sum, regions: results }, null, 2));
    else for (const line of formatQuarantineReplay(results, ctx.style())) ctx.io.out(line);
    return sum.failed || sum.notFound ? 1 : 0;
  });
}
