// Ensures the JetStream topology of regions: streams (placed in the region's cluster),
// shard consumers and lease buckets. Shared by `wamesh provision` and `wamesh dev`.
import type { NatsConnection } from '@nats-io/nats-core';
import { type EnsureReport, ensureTopology, isTransient, regionTopology, retry } from '@wamesh/bus';

export interface ProvisionOptions {
  regions: string[];
  shards: number;
  replicas: number;
  /** Placement cluster per region; undefined places nowhere in particular. */
  clusterOf: (region: string) => string | undefined;
  duplicateWindowMs: number;
  maxAgeMs: number;
  /** Quarantine retention (default the bus's: 30 days, 512 MiB). */
  quarantineMaxAgeMs?: number;
  quarantineMaxBytes?: number;
  /**
   * Keep retrying transient refusals this long. Right after a super-cluster forms, the
   * JetStream meta leader may not yet count a region's server as online ("no suitable
   * peers for placement"); ensure is idempotent, so trying again is safe.
   */
  retryForMs?: number;
  /** Called after each stream, consumer or bucket is ensured (for the progress bar). */
  onStep?: (done: number, total: number) => void;
}

/** Meta retries quickly at first: two minutes of dedup covers them; a week of replay. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;
export const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;
/** A forming cluster is asked again soon, then every second. */
const PLACEMENT_RETRY = { initialMs: 250, maxMs: 1_000 };

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
      quarantineMaxAgeMs: opts.quarantineMaxAgeMs,
      quarantineMaxBytes: opts.quarantineMaxBytes,
    });
  });
  // One resource at a time (ensureTopology keeps the order given), so progress can be told.
  const steps = topologies.flatMap((t) => [
    ...t.streams.map((s) => ({ ...t, streams: [s], consumers: [], kv: [] })),
    ...t.consumers.map((c) => ({ ...t, streams: [], consumers: [c], kv: [] })),
    ...t.kv.map((k) => ({ ...t, streams: [], consumers: [], kv: [k] })),
  ]);
  const report: EnsureReport = { created: [], updated: [], unchanged: [], drift: [] };
  const until = Date.now() + (opts.retryForMs ?? 0);
  for (const [i, step] of steps.entries()) {
    const r = await retry(() => ensureTopology(nc, step), { policy: PLACEMENT_RETRY, retryable: isTransient, until });
    report.created.push(...r.created);
    report.updated.push(...r.updated);
    report.unchanged.push(...r.unchanged);
    report.drift.push(...r.drift);
    opts.onStep?.(i + 1, steps.length);
  }
  return report;
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
