// Public surface of @wamesh/bus: NATS connection and environment, JetStream topology, publisher, shard runner.
export type {
  BatchHandler,
  EnsureReport,
  NatsConfig,
  OutRecord,
  Publisher,
  PublishReport,
  RegionTopologyOptions,
  Verdict,
} from './types.ts';
export {
  BusError,
  type BusErrorCode,
  InvalidMetaError,
  NatsConfigError,
  PublishFailedError,
  PublishUnavailableError,
  TopologyError,
  type UnavailableReason,
} from './errors.ts';
export { type BusLogger, silentLogger } from './logger.ts';
export { type ConnectNatsOptions, connectNats, natsConnectionOptions } from './connection.ts';
export {
  EnvError,
  type EnvErrorClass,
  envInt,
  envOptional,
  envRegion,
  type EnvSource,
  type NatsEnv,
  natsConfigOf,
  natsEnvShape,
  parseEnv,
  regionEnvShape,
} from './env.ts';
export {
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_MAX_ACK_PENDING,
  type ConsumerSpec,
  inputSubjects,
  type KvSpec,
  leaseBucketName,
  type RegionTopology,
  regionTopology,
  shardConsumerName,
  shardFilterSubject,
  type StreamSpec,
} from './topology.ts';
export { ensureTopology } from './ensure.ts';
export {
  decodeMeta,
  encodeMeta,
  HEADER_DEAD_REASON,
  HEADER_DEAD_SUBJECT,
  HEADER_MSG_ID,
  HEADER_RECEIVED_AT,
  HEADER_REGION,
  HEADER_TRACEPARENT,
  HEADER_TRACESTATE,
} from './headers.ts';
export { classifyPublishError, createPublisher, type PublisherOptions } from './publisher.ts';
export {
  decodeQuarantined,
  fieldRecordOf,
  HEADER_QUARANTINE_COUNT,
  HEADER_QUARANTINE_PARTS,
  type QuarantinedBody,
  quarantineRecordOf,
} from './records.ts';
export {
  createShardRunner,
  type RunnerObserver,
  type ShardRunner,
  type ShardRunnerOptions,
} from './shard-runner.ts';
export type { SettleTally } from './settle.ts';
export { type Backoff, backoff, type RetryOptions, type RetryPolicy, retry, sleep } from './retry.ts';
export { isTransient } from './transient.ts';
export { EXIT_BAD_ENV, EXIT_FAILED, loadEnvOrExit, runService, shutdownSignal } from './service.ts';
export { createDeadLetterer, type DeadLetterer, deadLetterSubject } from './dead-letter.ts';
export {
  createShardLeases,
  type LeaseObserver,
  type ReleaseReason,
  type ShardLeases,
  type ShardLeasesOptions,
} from './leases.ts';
export { defaultMemberId, fairShare, type LeaseTimings } from './lease-share.ts';
export { leaseMetrics } from './lease-metrics.ts';
