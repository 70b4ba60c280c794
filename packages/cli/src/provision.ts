// Ensures the JetStream topology of regions: streams (placed in the region's cluster),
// shard consumers and lease buckets. Shared by `wamesh provision` and `wamesh dev`.
import type { NatsConnection } from '@nats-io/nats-core';
import { type EnsureReport, ensureTopology, regionTopology } from '@wamesh/bus';

export interface ProvisionOptions {
  regions: string[];
  shards: number;
  replicas: number;
  /** Placement cluster per region; undefined places nowhere in particular. */
  clusterOf: (region: string) => string | undefined;
  duplicateWindowMs: number;
  maxAgeMs: number;
}

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
  return ensureTopology(nc, topologies);
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
