// @wamesh/ingress: the regional front door (Fastify). main.ts is the composition root.
export { buildApp, type IngressAppConfig, type IngressDeps } from './app.ts';
export { type IngressConfig, type IngressEnv, IngressEnvError, ingressEnvSchema, loadIngressEnv } from './env.ts';
export { type ErrorBody, errorBody, INGRESS_ERRORS, IngressError, type IngressErrorCode } from './errors.ts';
export { type IngressMetrics, ingressMetrics } from './metrics.ts';
export type { Readiness, ReadinessProbe } from './probes.ts';
export { INGRESS_MAIN, INGRESS_NODE_FLAGS } from './runtime.ts';
