import type { Context } from '../commands/context.ts';
import { CliError } from '../errors.ts';
import { connectTo, natsConfig } from '../nats.ts';
import { regionsOf } from '../options.ts';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_AGE_MS, formatEnsureReport, provisionRegions } from '../provision.ts';
import { readDevState } from '../state.ts';
import { type Bar, progressBar } from '../view/progress.ts';

export interface ProvisionFlags {
  nats?: string;
  regions?: string[];
  region?: string[];
  shards?: number;
  replicas: number;
  cluster?: string;
  duplicateWindow?: number;
  maxAge?: number;
  quarantineMaxAge?: number;
  quarantineMaxBytes?: number;
  kvStore?: true;
  home?: string;
  json?: true;
}

export async function provisionCommand(ctx: Context, flags: ProvisionFlags): Promise<number> {
  const named = regionsOf(flags);
  const dev = readDevState(ctx.home(flags.home));
  const regions = named.length ? named : (dev?.regions.map((r) => r.region) ?? []);
  if (regions.length === 0) throw new CliError('E_USAGE', 'wamesh provision: name the regions with --regions a,b or --region R');
  const servers = (flags.nats ?? ctx.env.NATS_URLS ?? dev?.regions.map((r) => r.natsUrl).join(',') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new CliError('E_NO_MESH', 'wamesh provision: where is NATS? --nats nats://host:4222 or NATS_URLS');
  const cluster = flags.cluster;
  if (cluster && regions.length > 1) throw new CliError('E_USAGE', '--cluster places one region; with several, each goes to the cluster named like it');

  const nc = await connectTo(natsConfig(ctx.env, servers, 'wamesh provision'));
  try {
    // A region's streams go to the cluster named like the region, unless the server is not
    // clustered at all (a lone nats-server has no cluster to place in).
    const clustered = Boolean(nc.info?.cluster);
    const clusterOf = (region: string) => cluster ?? (clustered ? region : undefined);
    const replicas = flags.replicas;
    let bar: Bar | undefined;
    const report = await provisionRegions(nc, {
      regions,
      shards: flags.shards ?? dev?.shards ?? 16,
      replicas,
      clusterOf,
      duplicateWindowMs: flags.duplicateWindow ?? DEFAULT_DUPLICATE_WINDOW_MS,
      maxAgeMs: flags.maxAge ?? DEFAULT_MAX_AGE_MS,
      quarantineMaxAgeMs: flags.quarantineMaxAge,
      quarantineMaxBytes: flags.quarantineMaxBytes,
      // A job started with the servers may find the super-cluster still forming.
      retryForMs: 30_000,
      onStep: (done, total) => {
        bar ??= progressBar(ctx.io, total, { label: 'streams, consumers, buckets', json: flags.json });
        bar.update(done);
      },
    });
    bar?.stop();
    if (flags.kvStore) {
      const { createStore } = await import('@wamesh/store');
      const store = createStore({ nc, kvReplicas: replicas });
      await store.init();
      await store.close();
    }
    const placement = Object.fromEntries(regions.map((r) => [r, clusterOf(r) ?? null]));
    if (flags.json) ctx.io.out(JSON.stringify({ regions, placement, ...report }, null, 2));
    else {
      for (const r of regions) ctx.io.out(`region    ${r}${placement[r] ? ` (streams in cluster ${placement[r]})` : ''}`);
      for (const line of formatEnsureReport(report)) ctx.io.out(line);
    }
    if (report.drift.length) ctx.io.err(`wamesh provision: ${report.drift.length} setting(s) differ and cannot change in place; see drift above`);
    return 0;
  } finally {
    await nc.close().catch(() => {});
  }
}
