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
