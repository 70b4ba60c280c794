import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerEnvSchema, loadConsumerEnv } from '@wamesh/consumer';
import { ingressEnvSchema, loadIngressEnv } from '@wamesh/ingress';
import { describe, expect, it } from 'vitest';
// The relay is no dependency of the root package: its env module is loaded from its source.
import { loadRelayEnv, relayEnvSchema } from '../../packages/relay/src/env.ts';
import { loadCompose, REGIONS, ROOT, readText, serviceEnv } from './files.ts';
import { k8sDir, type Manifest, podSpec, render } from './kustomize.ts';

const services = {
  ingress: { schema: ingressEnvSchema, load: loadIngressEnv, port: 8080 },
  consumer: { schema: consumerEnvSchema, load: loadConsumerEnv, port: 9464 },
} as const;
type Kind = keyof typeof services;

/** Variables a service reads that its schema does not own (the OpenTelemetry SDK reads OTEL_*). */
const foreign = (name: string): boolean => name.startsWith('OTEL_');

const relay = { schema: relayEnvSchema, load: loadRelayEnv };

function expectComplete(kind: Kind | 'relay', env: Record<string, string>, where: string): void {
  const { schema, load } = kind === 'relay' ? relay : services[kind];
  const parsed = schema.safeParse(env);
  expect(parsed.success, `${where}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`).toBe(true);
  // The loader's cross-field rules too (STORE=mongo needs MONGODB_URI, TLS key with cert).
  expect(() => load(env), where).not.toThrow();
  // Every variable set is one the service reads: a typo would silently fall back to a default.
  const known = new Set(Object.keys(schema.shape));
  for (const name of Object.keys(env)) expect(known.has(name) || foreign(name), `${where}: unknown ${name}`).toBe(true);
}

describe('env - docker compose', () => {
  const compose = loadCompose();
  for (const r of REGIONS) {
    for (const kind of Object.keys(services) as Kind[]) {
      it(`env - compose ${kind}-${r} satisfies the ${kind} schema`, () => {
        const env = serviceEnv(compose.services[`${kind}-${r}`]!);
        expectComplete(kind, env, `${kind}-${r}`);
        expect(env['NATS_USER']).toBe(`${kind}-${r}`);
        expect(env['NATS_PASS']).toBeTruthy();
      });
    }
  }

  it('env - compose relay satisfies the relay schema: one relay for the mesh, its own NATS user', () => {
    const env = serviceEnv(compose.services['relay']!);
    expectComplete('relay', env, 'relay');
    expect(env['NATS_USER']).toBe('relay');
    expect(env['NATS_PASS']).toBe(serviceEnv(compose.services['nats-us-east']!)['NATS_PASS_RELAY']);
    // It can fail over to any region's NATS.
    expect(env['NATS_URLS']!.split(',').sort()).toEqual(REGIONS.map((r) => `nats://nats-${r}:4222`).sort());
  });
});

/** Secret keys come from the documented examples (infra/k8s/base/secrets/<name>.env.example). */
function secretExample(name: string): Record<string, string> {
  const file = k8sDir('base', 'secrets', `${name.replace(/^wamesh-/, '')}.env.example`);
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const l = line.trim();
    if (l && !l.startsWith('#')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

/** The environment a pod's container would get: envFrom ConfigMaps and Secrets, then env. */
function podEnv(ms: Manifest[], d: Manifest): Record<string, string> {
  const c = podSpec(d).containers[0];
  const configMap = (name: string) => ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name);
  const env: Record<string, string> = {};
  for (const src of c.envFrom ?? []) {
    if (src.configMapRef) {
      const cm = configMap(src.configMapRef.name);
      expect(cm, `ConfigMap ${src.configMapRef.name}`).toBeDefined();
      Object.assign(env, cm?.data);
    }
    if (src.secretRef) Object.assign(env, secretExample(src.secretRef.name));
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
    const from = e.valueFrom?.configMapKeyRef ? configMap(ref.name)?.data : ref && secretExample(ref.name);
    if (ref && from?.[ref.key] !== undefined) env[e.name] = from[ref.key];
  }
  return env;
}

describe('env - kubernetes overlays', () => {
  for (const r of REGIONS) {
    const ms = render(k8sDir('overlays', r));
    for (const kind of Object.keys(services) as Kind[]) {
      it(`env - k8s ${r} ${kind} satisfies the ${kind} schema`, () => {
        const d = ms.find((m) => m.kind === 'Deployment' && m.metadata.name === `wamesh-${kind}`)!;
        const env = podEnv(ms, d);
        expectComplete(kind, env, `k8s ${r} ${kind}`);
        expect(env['WAMESH_REGION']).toBe(r);
        expect(env['NATS_USER']).toBe(`${kind}-${r}`);
        // The container listens where its probes and Service point.
        const port = podSpec(d).containers[0].ports[0].containerPort;
        expect(Number(env['PORT'])).toBe(port);
      });
    }
  }

  for (const r of REGIONS) {
    it(`env - k8s ${r} relay satisfies the relay schema, as the mesh's relay user`, () => {
      const ms = render(k8sDir('overlays', r));
      const d = ms.find((m) => m.kind === 'Deployment' && m.metadata.name === 'wamesh-relay')!;
      const env = podEnv(ms, d);
      expectComplete('relay', env, `k8s ${r} relay`);
      expect(env['NATS_USER']).toBe('relay');
      const port = podSpec(d).containers[0].ports[0].containerPort;
      expect(Number(env['METRICS_PORT'])).toBe(port);
    });
  }

  it('env - credentials live in Secrets, never in ConfigMaps', () => {
    for (const r of REGIONS) {
      for (const m of render(k8sDir('overlays', r)).filter((x) => x.kind === 'ConfigMap')) {
        for (const [k, v] of Object.entries(m.data ?? {})) {
          expect(k, `${r} ${m.metadata.name}`).not.toMatch(/PASS|SECRET|TOKEN|CREDS|MONGODB_URI/);
          expect(v, `${r} ${m.metadata.name}.${k}`).not.toMatch(/:\/\/[^/]*:[^/]*@/);
        }
      }
    }
  });
});

/** Paths a service registers with its HTTP server (fastify `app.get('/path', …)`), from its sources. */
function routes(kind: Kind): Set<string> {
  const dir = join(ROOT, 'packages', kind, 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const out = new Set<string>();
  for (const f of files) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\.(?:get|route)\(\s*\{?\s*(?:url:\s*)?['"](\/[\w/-]*)['"]/g)) {
      out.add(m[1]!);
    }
  }
  return out;
}

describe('env - probes point at routes that exist', () => {
  it('probes - the relay serves /metrics, where compose and k8s probe it', () => {
    expect(readText('packages/relay/src/main.ts')).toContain(`req.url !== '/metrics'`);
    const port = serviceEnv(loadCompose().services['relay']!)['METRICS_PORT'];
    expect(String(loadCompose().services['relay']!.healthcheck?.test)).toContain(`127.0.0.1:${port}/metrics`);
    const d = render(k8sDir('overlays', 'us-east')).find((m) => m.kind === 'Deployment' && m.metadata.name === 'wamesh-relay')!;
    const c = podSpec(d).containers[0];
    expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(['/metrics', '/metrics']);
  });

  for (const kind of Object.keys(services) as Kind[]) {
    it(`probes - the ${kind} serves /healthz and /readyz`, () => {
      const have = routes(kind);
      expect(have.has('/healthz'), `${kind} routes: ${[...have].join(' ')}`).toBe(true);
      expect(have.has('/readyz'), `${kind} routes: ${[...have].join(' ')}`).toBe(true);
      // And the deployment files probe exactly those.
      expect(readText('docker-compose.yml')).toContain(`127.0.0.1:${services[kind].port}/readyz`);
    });
  }
});
