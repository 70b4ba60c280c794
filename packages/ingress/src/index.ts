// Public surface of @wamesh/ingress: the app, its environment, and how its process is
// started (main.ts is the composition root; the cli and end-to-end tests use these).
export { buildApp } from './app.ts';
export { ingressEnvSchema, loadIngressEnv } from './env.ts';
export { INGRESS_MAIN, INGRESS_NODE_FLAGS } from './runtime.ts';
