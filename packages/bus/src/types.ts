import type { Envelope, WaEvent } from '@wamesh/core';
import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';

/** How to reach NATS; parsed from the environment by each service's env.ts. */
export interface NatsConfig {
  servers: string[];
  /** Connection name shown by the server (service and region). */
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a .creds file (JWT + nkey seed). */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** Declarative description of one region's JetStream resources (see regionTopology). */
export interface RegionTopologyOptions {
  region: string;
  shards: number;
  /** Stream replicas: 3 in production, 1 in local dev. */
  replicas: number;
  /** Place the region's streams in this NATS cluster (the region's own). */
  cluster?: string;
  /** JetStream duplicate window; covers Meta's quick retries. */
  duplicateWindowMs: number;
  /** How long input events are kept for replay (default 7 days). */
  maxAgeMs: number;
  /** Redelivery of an unacked message after this long (consumer ack_wait); default the lease TTL. */
  ackWaitMs?: number;
  /** Quarantine retention: age (default 30 days) and size (default 512 MiB; when full, publishes fail: 503). */
  quarantineMaxAgeMs?: number;
  quarantineMaxBytes?: number;
  /** Unacked messages a shard consumer may have out at once; default 1000. */
  maxAckPending?: number;
  /** TTL of the shard lease bucket (bucket-level: 2.9 has no per-key TTL); default 10 s. */
  leaseTtlMs?: number;
}

/** What ensureTopology did, per resource, and where the server's config drifted. */
export interface EnsureReport {
  /** Resources as `stream WA_EU`, `consumer WA_EU/shard-0`, `kv wamesh_leases_eu`. */
  created: string[];
  updated: string[];
  /** Left as they were (a resource with only fixed differences is here and in drift). */
  unchanged: string[];
  /** Differences that cannot be updated in place (e.g. storage type); left as they are. */
  drift: { resource: string; field: string; want: unknown; have: unknown }[];
}

export interface PublishReport {
  /** Events JetStream stored new from this batch (published + duplicates = batch size). */
  published: number;
  /** Events JetStream already had within its duplicate window (PubAck.duplicate). */
  duplicates: number;
}

/** One record for JetStream: its subject, body, de-duplication id and headers. */
export interface OutRecord {
  subject: string;
  data: string | Uint8Array;
  /** Nats-Msg-Id: the same id within the stream's duplicate window is stored once. */
  msgId: string;
  headers: MsgHdrs;
}

/** Durable publish; each call resolves only when every PubAck is in. */
export interface Publisher {
  /** Events to the input stream (subjects from region, kind and shard). */
  publish(batch: Envelope<WaEvent>[]): Promise<PublishReport>;
  /** Any records (field events, quarantine), with the same guarantees. */
  publishRecords(records: OutRecord[]): Promise<PublishReport>;
}

/**
 * How handling one message of a fetched batch went. The handler only reports; settle.ts
 * decides its fate: `ok` is acked, `retryable` nak'd with the retry policy's delay (dead-
 * lettered on the last delivery), `terminal` dead-lettered at once.
 */
export type Verdict = { kind: 'ok' } | { kind: 'retryable'; reason: string } | { kind: 'terminal'; reason: string };

/** Handles one fetched batch of a shard, returning one verdict per message, same order. */
export type BatchHandler = (shard: number, batch: JsMsg[]) => Promise<Verdict[]>;
