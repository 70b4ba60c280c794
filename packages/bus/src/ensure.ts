// Idempotent provisioning: create what is missing, update what differs and can change in
// place, and report (never touch) what cannot, such as a stream's storage type.
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { nanos } from '@nats-io/nats-core';
import { TopologyError } from './errors.ts';
import type { ConsumerSpec, KvSpec, RegionTopology, StreamSpec } from './topology.ts';
import type { EnsureReport } from './types.ts';

// Fields nats-server 2.9 refuses to change on an existing resource.
const STREAM_FIXED = new Set(['storage', 'retention', 'max_consumers']);
const CONSUMER_FIXED = new Set([
  'ack_policy',
  'deliver_policy',
  'replay_policy',
  'opt_start_seq',
  'opt_start_time',
  'deliver_subject',
  'deliver_group',
  'mem_storage',
]);
// KV's own duplicate window default (min(ttl, 2 min)), kept in step when the TTL changes.
const KV_MAX_DUPLICATE_WINDOW_MS = 120_000;

type Drift = EnsureReport['drift'][number];
type Diff = { mutable: Record<string, unknown>; drift: Drift[] };

/** Creates or updates every stream, consumer and KV bucket of the topologies, in order. */
export async function ensureTopology(
  nc: NatsConnection,
  topology: RegionTopology | RegionTopology[],
): Promise<EnsureReport> {
  const jsm = await jetstreamManager(nc);
  const report: EnsureReport = { created: [], updated: [], unchanged: [], drift: [] };
  for (const t of Array.isArray(topology) ? topology : [topology]) {
    for (const s of t.streams) await ensureStream(jsm, s, report);
    for (const c of t.consumers) await ensureConsumer(jsm, c, report);
    for (const kv of t.kv) await ensureKv(nc, jsm, kv, report);
  }
  return report;
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, report: EnsureReport): Promise<void> {
  const resource = `stream ${spec.name}`;
  await guard(resource, async () => {
    const have = await jsm.streams.info(spec.name).catch(notFound);
    if (!have) {
      await jsm.streams.add(spec.config);
      report.created.push(resource);
      return;
    }
    const diff = diffConfig(resource, spec.config, have.config as unknown as Record<string, unknown>, STREAM_FIXED);
    if (Object.keys(diff.mutable).length > 0) {
      await jsm.streams.update(spec.name, { ...have.config, ...diff.mutable });
    }
    record(report, resource, diff);
  });
}

async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec, report: EnsureReport): Promise<void> {
  const resource = `consumer ${spec.stream}/${spec.name}`;
  await guard(resource, async () => {
    const have = await jsm.consumers.info(spec.stream, spec.name).catch(notFound);
    if (!have) {
      await jsm.consumers.add(spec.stream, spec.config);
      report.created.push(resource);
      return;
    }
    const diff = diffConfig(resource, spec.config, have.config as unknown as Record<string, unknown>, CONSUMER_FIXED);
    if (Object.keys(diff.mutable).length > 0) {
      await jsm.consumers.update(spec.stream, spec.name, { ...have.config, ...diff.mutable });
    }
    record(report, resource, diff);
  });
}

async function ensureKv(nc: NatsConnection, jsm: JetStreamManager, spec: KvSpec, report: EnsureReport): Promise<void> {
  const resource = `kv ${spec.bucket}`;
  const stream = `KV_${spec.bucket}`;
  await guard(resource, async () => {
    const have = await jsm.streams.info(stream).catch(notFound);
    if (!have) {
      // Kvm builds the stream the way nats.js expects to open it (rollups, direct get…).
      await new Kvm(nc).create(spec.bucket, {
        history: spec.history,
        ttl: spec.ttlMs,
        replicas: spec.replicas,
        storage: spec.storage,
        ...(spec.placement ? { placement: spec.placement } : {}),
      });
      report.created.push(resource);
      return;
    }
    const want: Record<string, unknown> = {
      max_msgs_per_subject: spec.history,
      max_age: nanos(spec.ttlMs),
      duplicate_window: nanos(Math.min(spec.ttlMs, KV_MAX_DUPLICATE_WINDOW_MS)),
      num_replicas: spec.replicas,
      storage: spec.storage,
    };
    if (spec.placement) want['placement'] = spec.placement;
    const diff = diffConfig(resource, want, have.config as unknown as Record<string, unknown>, STREAM_FIXED);
    if (Object.keys(diff.mutable).length > 0) await jsm.streams.update(stream, { ...have.config, ...diff.mutable });
    record(report, resource, diff);
  });
}

/** The fields of `want` whose value differs on the server, split into updatable and fixed. */
export function diffConfig(
  resource: string,
  want: Record<string, unknown>,
  have: Record<string, unknown>,
  fixed: Set<string>,
): Diff {
  const diff: Diff = { mutable: {}, drift: [] };
  for (const [field, value] of Object.entries(want)) {
    if (value === undefined || same(field, value, have[field])) continue;
    if (fixed.has(field)) diff.drift.push({ resource, field, want: value, have: have[field] });
    else diff.mutable[field] = value;
  }
  return diff;
}

function same(field: string, want: unknown, have: unknown): boolean {
  return JSON.stringify(normalize(field, want)) === JSON.stringify(normalize(field, have));
}

// The server omits empty placement tags and may reorder subjects; compare what matters.
function normalize(field: string, v: unknown): unknown {
  if (field === 'placement') {
    const p = (v ?? {}) as { cluster?: string; tags?: string[] };
    return { cluster: p.cluster ?? '', tags: [...(p.tags ?? [])].sort() };
  }
  if (field === 'description') return v ?? '';
  if (Array.isArray(v)) return [...v].sort();
  return v;
}

// A resource whose only differences are fixed ones was left as it is: unchanged, with drift.
function record(report: EnsureReport, resource: string, diff: Diff): void {
  if (Object.keys(diff.mutable).length > 0) report.updated.push(resource);
  else report.unchanged.push(resource);
  report.drift.push(...diff.drift);
}

/** A missing resource reads as undefined; anything else is rethrown. */
function notFound(err: unknown): undefined {
  const missing = err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound);
  if (missing) return undefined;
  throw err;
}

async function guard(resource: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof TopologyError) throw err;
    throw new TopologyError(resource, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
