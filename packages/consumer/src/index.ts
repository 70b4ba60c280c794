// Public surface of @wamesh/consumer: the worker and its environment (main.ts is the
// composition root; the end-to-end tests build workers through this).
export { consumerEnvSchema, loadConsumerEnv } from './env.ts';
export { buildWorker, type Worker } from './worker.ts';
