import { bool, durationMs, int, list, parse, regionList, str } from '../args.ts';
import { CliError } from '../errors.ts';
import { connectTo, natsConfig } from '../nats.ts';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_AGE_MS, formatEnsureReport, provisionRegions } from '../provision.ts';
import { readDevState } from '../state.ts';
import type { Context } from './context.ts';

export async function provisionCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('provision', argv, {
    nats: { type: 'string' },
    regions: { type: 'string', multiple: true },
    region: { type: 'string', multiple: true },
    shards: { type: 'string' },
    replicas: { type: 'string' },
    cluster: { type: 'string' },
    'duplicate-window': { type: 'string' },
    'max-age': { type: 'string' },
    'kv-store': { type: 'boolean' },
    home: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (p.positionals.length) throw new CliError('USAGE', `wamesh provision: unexpected argument "${p.positionals[0]}"`);
  const named = [...list(p, 'regions'), ...list(p, 'region')];
  const dev = readDevState(ctx.home(str(p, 'home')));
  const regions = regionList({ values: { regions: named }, positionals: [] }, 'regions', dev?.regions.map((r) => r.region) ?? []);
  if (regions.length === 0) throw new CliError('USAGE', 'wamesh provision: name the regions with --regions a,b or --region R');
  const servers = (str(p, 'nats') ?? ctx.env.NATS_URLS ?? dev?.regions.map((r) => r.natsUrl).join(',') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new CliError('NO_MESH', 'wamesh provision: where is NATS? --nats nats://host:4222 or NATS_URLS');
  const cluster = str(p, 'cluster');
  if (cluster && regions.length > 1) throw new CliError('USAGE', '--cluster places one region; with several, each goes to the cluster named like it');

  const nc = await connectTo(natsConfig(ctx.env, servers, 'wamesh provision'));
  try {
    // A region's streams go to the cluster named like the region, unless the server is not
    // clustered at all (a lone nats-server has no cluster to place in).
    const clustered = Boolean(nc.info?.cluster);
    const clusterOf = (region: string) => cluster ?? (clustered ? region : undefined);
    const replicas = int(p, 'replicas', 1, 1, 5);
    const report = await provisionRegions(nc, {
      regions,
      shards: int(p, 'shards', dev?.shards ?? 16, 1, 4096),
      replicas,
      clusterOf,
      duplicateWindowMs: durationMs(p, 'duplicate-window', DEFAULT_DUPLICATE_WINDOW_MS),
      maxAgeMs: durationMs(p, 'max-age', DEFAULT_MAX_AGE_MS),
      // A job started with the servers may find the super-cluster still forming.
      retryForMs: 30_000,
    });
    if (bool(p, 'kv-store')) {
      const { createStore } = await import('@wamesh/store');
      const store = createStore({ nc, kvReplicas: replicas });
      await store.init();
      await store.close();
    }
    const placement = Object.fromEntries(regions.map((r) => [r, clusterOf(r) ?? null]));
    if (bool(p, 'json')) ctx.io.out(JSON.stringify({ regions, placement, ...report }, null, 2));
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
