// Public surface of @wamesh/bus: what the services, the cli and the tests import. NATS
// connection and environment, JetStream topology, publisher, shard runner and leases, the
// one retry policy, and the shape every service's main.ts shares.
export type { BatchHandler, EnsureReport, NatsConfig, Publisher, PublishReport, Verdict } from './types.ts';
export { PublishUnavailableError } from './errors.ts';
export { type BusLogger, silentLogger } from './logger.ts';
export { connectNats } from './connection.ts';
export {
  EnvError,
  envInt,
  envLogLevel,
  envOptional,
  envRegion,
  natsConfigOf,
  natsEnvShape,
  parseEnv,
  regionEnvShape,
  serviceEnvError,
} from './env.ts';
export { FIELDS_CONSUMER, leaseBucketName, type RegionTopology, regionTopology, shardConsumerName } from './topology.ts';
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
} from './headers.ts';
export { createPublisher } from './publisher.ts';
export { decodeQuarantined, fieldRecordOf, type QuarantinedBody, quarantineRecordOf } from './records.ts';
export { createShardRunner, type ShardRunner, type ShardRunnerOptions } from './shard-runner.ts';
export { type Backoff, backoff, type RetryPolicy, retry, sleep } from './retry.ts';
export { isTransient } from './transient.ts';
export { loadEnvOrExit, runService, shutdownSignal } from './service.ts';
export { createDeadLetterer } from './dead-letter.ts';
export { createShardLeases, type ShardLeases } from './leases.ts';
export { defaultMemberId, fairShare } from './lease-share.ts';
export { leaseMetrics } from './lease-metrics.ts';
