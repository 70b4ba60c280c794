// The JetStream resources of one region as plain data (JetStream API field names, durations
// in nanoseconds), so `ensureTopology` can create, compare and update them and an operator
// can print them.
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type Placement,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { assertRegion, quarantineSubjectOf, streamNames } from '@wamesh/core';
import { TopologyError } from './errors.ts';
import type { RegionTopologyOptions } from './types.ts';

export interface StreamSpec {
  name: string;
  config: Partial<StreamConfig> & { name: string };
}

export interface ConsumerSpec {
  stream: string;
  name: string;
  config: Partial<ConsumerConfig> & { durable_name: string };
}

export interface KvSpec {
  bucket: string;
  /** Values kept per key. */
  history: number;
  /** Bucket-level TTL: every entry expires this long after its last write. */
  ttlMs: number;
  replicas: number;
  storage: StorageType;
  placement?: Placement;
}

export interface RegionTopology {
  region: string;
  /** Input, dead letters, field events, quarantine, in that order. */
  streams: StreamSpec[];
  /** `shard-<n>` on the input stream, n = 0 … shards-1, then `fields` on the field-event stream. */
  consumers: ConsumerSpec[];
  kv: KvSpec[];
}

export const DEFAULT_MAX_ACK_PENDING = 1_000;
/**
 * Quarantine keeps a body 30 days (time to ship a fix and replay it), in at most 512 MiB
 * (thousands of bodies; JetStream reserves it against the server's max_file_store).
 */
export const DEFAULT_QUARANTINE_MAX_AGE_MS = 30 * 24 * 3_600_000;
export const DEFAULT_QUARANTINE_MAX_BYTES = 512 * 1024 ** 2;
export const DEFAULT_LEASE_TTL_MS = 10_000;

/** Durable pull consumer of a shard on `WA_<R>`. */
export const shardConsumerName = (shard: number): string => `shard-${shard}`;
/** Filter of a shard's consumer: both kinds of the shard. */
export const shardFilterSubject = (region: string, shard: number): string => `wa.${region}.*.${shard}`;
/** Durable pull consumer of the region's field events. */
export const FIELDS_CONSUMER = 'fields';
/** KV bucket of the shard leases. */
export const leaseBucketName = (region: string): string => `wamesh_leases_${region}`;

/**
 * The input stream captures `wa.<region>.*.*`, not just `…msg.*` and `…status.*`: on
 * nats-server 2.9 a consumer filter must be a subset of ONE stream subject, and the shard
 * filter `wa.<region>.*.<n>` spans both kinds. Only msg/status subjects are ever published
 * (core's subjectOf refuses other kinds); dead letters live under `wadlq.`, which this
 * stream cannot capture.
 */
export const inputSubjects = (region: string): string[] => [`wa.${region}.*.*`];

/** Streams, shard consumers and the lease bucket of one region. */
export function regionTopology(opts: RegionTopologyOptions): RegionTopology {
  const { region, shards, replicas, duplicateWindowMs, maxAgeMs } = opts;
  assertRegion(region);
  const resource = `region ${region}`;
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new TopologyError(resource, `${name} must be a positive integer, got ${v}`);
  };
  positiveInt('shards', shards);
  positiveInt('replicas', replicas);
  positiveInt('duplicateWindowMs', duplicateWindowMs);
  positiveInt('maxAgeMs', maxAgeMs);
  if (duplicateWindowMs > maxAgeMs) {
    throw new TopologyError(resource, `duplicate window (${duplicateWindowMs} ms) exceeds max age (${maxAgeMs} ms)`);
  }
  const maxAckPending = opts.maxAckPending ?? DEFAULT_MAX_ACK_PENDING;
  const leaseTtlMs = opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  // A dead consumer's shards change owner within one lease TTL; with the same ack wait its
  // un-acked events are redelivered by then too, so the new owner applies them within ~TTL
  // of the death instead of waiting out a longer ack wait. A live owner's slow batch keeps
  // its messages with working() (settle.ts).
  const ackWaitMs = opts.ackWaitMs ?? leaseTtlMs;
  positiveInt('ackWaitMs', ackWaitMs);
  positiveInt('maxAckPending', maxAckPending);
  positiveInt('leaseTtlMs', leaseTtlMs);

  const names = streamNames(region);
  const placement: Placement | undefined = opts.cluster ? { cluster: opts.cluster, tags: [] } : undefined;
  const stream = (name: string, subjects: string[], maxAgeNs: number, description: string): StreamSpec => {
    const config: StreamSpec['config'] = {
      name,
      description,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
      max_age: maxAgeNs,
      duplicate_window: nanos(duplicateWindowMs),
    };
    if (placement) config.placement = placement;
    return { name, config };
  };

  const quarantineMaxAgeMs = opts.quarantineMaxAgeMs ?? DEFAULT_QUARANTINE_MAX_AGE_MS;
  const quarantineMaxBytes = opts.quarantineMaxBytes ?? DEFAULT_QUARANTINE_MAX_BYTES;
  positiveInt('quarantineMaxAgeMs', quarantineMaxAgeMs);
  positiveInt('quarantineMaxBytes', quarantineMaxBytes);
  const quarantine = stream(
    names.quarantine,
    [quarantineSubjectOf(region)],
    nanos(quarantineMaxAgeMs),
    `wamesh ${region}: signed bodies with parts that cannot be sequenced`,
  );
  // Full means "answer 503 so Meta retries", never "drop the oldest authentic body".
  quarantine.config.max_bytes = quarantineMaxBytes;
  quarantine.config.discard = DiscardPolicy.New;

  const streams = [
    stream(names.input, inputSubjects(region), nanos(maxAgeMs), `wamesh ${region}: webhook events by shard`),
    // Dead letters wait for an operator: no age limit.
    stream(names.dead, [`wadlq.${region}.>`], 0, `wamesh ${region}: dead letters`),
    stream(names.fields, [`wafield.${region}.*`], nanos(maxAgeMs), `wamesh ${region}: field events (non-messages changes)`),
    quarantine,
  ];

  const pull = (stream: string, name: string, filter: string, description: string): ConsumerSpec => ({
    stream,
    name,
    config: {
      durable_name: name,
      description,
      filter_subject: filter,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWaitMs),
      // Unlimited: the app dead-letters after MAX_DELIVERIES with the reason.
      max_deliver: -1,
      max_ack_pending: maxAckPending,
      replay_policy: ReplayPolicy.Instant,
    },
  });
  const consumers: ConsumerSpec[] = [];
  for (let shard = 0; shard < shards; shard++) {
    consumers.push(pull(names.input, shardConsumerName(shard), shardFilterSubject(region, shard), `wamesh ${region}: shard ${shard}`));
  }
  // Field events need no per-key owner (their feed numbers come from a compare-and-set):
  // every consumer replica pulls from this one durable.
  consumers.push(pull(names.fields, FIELDS_CONSUMER, `wafield.${region}.*`, `wamesh ${region}: field events`));

  const lease: KvSpec = { bucket: leaseBucketName(region), history: 1, ttlMs: leaseTtlMs, replicas, storage: StorageType.File };
  if (placement) lease.placement = placement;
  return { region, streams, consumers, kv: [lease] };
}
