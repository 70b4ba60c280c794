// Ensures the JetStream topology of regions: streams (placed in the region's cluster),
// shard consumers and lease buckets. Shared by `wamesh provision` and `wamesh dev`.
import type { NatsConnection } from '@nats-io/nats-core';
import { type EnsureReport, ensureTopology, type RegionTopology, regionTopology } from '@wamesh/bus';

export interface ProvisionOptions {
  regions: string[];
  shards: number;
  replicas: number;
  /** Placement cluster per region; undefined places nowhere in particular. */
  clusterOf: (region: string) => string | undefined;
  duplicateWindowMs: number;
  maxAgeMs: number;
  /**
   * Keep retrying transient refusals this long. Right after a super-cluster forms, the
   * JetStream meta leader may not yet count a region's server as online ("no suitable
   * peers for placement"); ensure is idempotent, so trying again is safe.
   */
  retryForMs?: number;
  /** Called after each stream, consumer or bucket is ensured (for the progress bar). */
  onStep?: (done: number, total: number) => void;
}

const TRANSIENT = /no suitable peers|peer offline|timeout|timed out|no responders|jetstream not (enabled|ready)|leader/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Meta retries quickly at first: two minutes of dedup covers them; a week of replay. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
export const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;

export async function provisionRegions(nc: NatsConnection, opts: ProvisionOptions): Promise<EnsureReport> {
  const topologies = opts.regions.map((region) => {
    const cluster = opts.clusterOf(region);
    return regionTopology({
      region,
      shards: opts.shards,
      replicas: opts.replicas,
      ...(cluster ? { cluster } : {}),
      duplicateWindowMs: opts.duplicateWindowMs,
      maxAgeMs: opts.maxAgeMs,
    });
  });
  // One resource at a time (ensureTopology keeps the order given), so progress can be told.
  const steps = topologies.flatMap((t) => [
    ...t.streams.map((s) => ({ ...t, streams: [s], consumers: [], kv: [] })),
    ...t.consumers.map((c) => ({ ...t, streams: [], consumers: [c], kv: [] })),
    ...t.kv.map((k) => ({ ...t, streams: [], consumers: [], kv: [k] })),
  ]);
  const report: EnsureReport = { created: [], updated: [], unchanged: [], drift: [] };
  const deadline = Date.now() + (opts.retryForMs ?? 0);
  for (const [i, step] of steps.entries()) {
    const r = await ensureRetrying(nc, step, deadline);
    report.created.push(...r.created);
    report.updated.push(...r.updated);
    report.unchanged.push(...r.unchanged);
    report.drift.push(...r.drift);
    opts.onStep?.(i + 1, steps.length);
  }
  return report;
}

async function ensureRetrying(nc: NatsConnection, step: RegionTopology, deadline: number): Promise<EnsureReport> {
  for (;;) {
    try {
      return await ensureTopology(nc, step);
    } catch (err) {
      if (Date.now() > deadline || !TRANSIENT.test((err as Error).message)) throw err;
      await sleep(500);
    }
  }
}

export function formatEnsureReport(report: EnsureReport): string[] {
  const out: string[] = [];
  const group = (label: string, xs: string[]) => {
    if (xs.length) out.push(`${label.padEnd(10)}${xs.join(', ')}`);
  };
  group('created', report.created);
  group('updated', report.updated);
  if (report.unchanged.length) out.push(`${'unchanged'.padEnd(10)}${report.unchanged.length} resources`);
  for (const d of report.drift) {
    out.push(`${'drift'.padEnd(10)}${d.resource}: ${d.field} wants ${JSON.stringify(d.want)}, has ${JSON.stringify(d.have)} (left as is)`);
  }
  return out;
}
