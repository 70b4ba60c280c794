// Public surface of @wamesh/relay: the relay, its configuration, the feed source it reads,
// and the dead-letter operations a CLI needs.
export { type EndpointConfig, type EndpointInput, endpointSchema } from './endpoint.ts';
export { loadRelayEnv, type RelayConfig, RelayEnvError, relayEnvSchema } from './env.ts';
export { type FeedRecord, type FeedSource, type JetStreamFeedOptions, jetStreamFeedSource } from './feed-source.ts';
export { buildRelay, type Relay, type RelayDeps } from './relay.ts';
export type { RelayObserver } from './worker.ts';
export { relayMetrics } from './metrics.ts';
export { type DeadLetter, type Decision, decideDeadLetter, listDeadLetters } from './dead-letters.ts';
export { RELAY_BUCKET, RELAY_DLQ_STREAM, relayDlqSubject, relayTopology, type RelayTopologyOptions } from './topology.ts';
