// Public surface of @wamesh/consumer.
export {
  type ConsumerConfig,
  type ConsumerEnv,
  ConsumerEnvError,
  consumerEnvSchema,
  loadConsumerEnv,
  type StoreKind,
  telemetryOptions,
} from './env.ts';
export { type Worker, type WorkerDeps, buildWorker } from './worker.ts';
export { type BatchHandlerDeps, createBatchHandler } from './handler.ts';
export { type Decoded, decodeMessage } from './decode.ts';
export { type ConsumerMetrics, consumerMetrics } from './metrics.ts';
export {
  createOutputPublisher,
  HEADER_BEATEN_BY,
  HEADER_INVERSION_SECONDS,
  HEADER_OUTCOME,
  lateSubject,
  type OutputItem,
  type OutputPublisher,
  type OutputStream,
  orderedSubject,
  outputStreamOf,
} from './outputs.ts';
