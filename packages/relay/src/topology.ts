// The relay's own JetStream resources, for the bus's ensureTopology: its dead letters (a
// stream no input or feed stream captures), a bucket of cursors and operator decisions,
// a bucket of delivery records (what `wamesh trace` shows), and the lease bucket its
// replicas share partitions through.
import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { leaseBucketName, type RegionTopology } from '@wamesh/bus';

export const RELAY_DLQ_STREAM = 'RELAYDLQ';
export const RELAY_BUCKET = 'wamesh_relay';
/** Each entry's final outcome per endpoint (`<endpoint>.<entry token>`). */
export const RELAY_DELIVERIES_BUCKET = 'wamesh_relay_deliveries';
/** Delivery records expire a week after their last write, by default. */
export const DEFAULT_DELIVERY_RECORDS_TTL_MS = 7 * 86_400_000;
/** The lease protocol's "region" of the relay: its bucket is `wamesh_leases_relay`. */
export const RELAY_LEASE_GROUP = 'relay';

/** `wamesh.relaydlq.<endpoint>`: kept by RELAYDLQ. */
export const relayDlqSubject = (endpoint: string): string => `wamesh.relaydlq.${endpoint}`;

export interface RelayTopologyOptions {
  replicas: number;
  leaseTtlMs: number;
  /** How long dead letters are kept (default 30 days). */
  dlqMaxAgeMs?: number;
  /** How long delivery records are kept (default 7 days). */
  deliveryRecordsTtlMs?: number;
}

export function relayTopology(opts: RelayTopologyOptions): RegionTopology {
  return {
    region: RELAY_LEASE_GROUP,
    streams: [
      {
        name: RELAY_DLQ_STREAM,
        config: {
          name: RELAY_DLQ_STREAM,
          subjects: [relayDlqSubject('*')],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
          num_replicas: opts.replicas,
          max_age: nanos(opts.dlqMaxAgeMs ?? 30 * 86_400_000),
          duplicate_window: nanos(120_000),
        },
      },
    ],
    consumers: [],
    kv: [
      { bucket: RELAY_BUCKET, history: 1, ttlMs: 0, replicas: opts.replicas, storage: StorageType.File },
      {
        bucket: RELAY_DELIVERIES_BUCKET,
        history: 1,
        ttlMs: opts.deliveryRecordsTtlMs ?? DEFAULT_DELIVERY_RECORDS_TTL_MS,
        replicas: opts.replicas,
        storage: StorageType.File,
      },
      { bucket: leaseBucketName(RELAY_LEASE_GROUP), history: 1, ttlMs: opts.leaseTtlMs, replicas: opts.replicas, storage: StorageType.File },
    ],
  };
}
