// The relay in the deployment files: one compose service and one Deployment per region's
// overlay (the replicas of all regions share the feed through leases), built from the
// Dockerfile's relay target. Its environment is checked in env.test.ts, its NATS user in
// nats-permissions.test.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ComposeService, dockerStages, loadCompose, REGIONS, ROOT, readText } from './files.ts';
import { k8sDir, type Manifest, podSpec, render } from './kustomize.ts';

const services = loadCompose().services;
const relay = services['relay'] as ComposeService;
const deps = Object.fromEntries(Object.entries((relay.depends_on ?? {}) as Record<string, { condition: string }>).map(([k, v]) => [k, v.condition]));

describe('relay - compose', () => {
  it('relay - one relay service for the mesh, built from the Dockerfile relay target, scalable', () => {
    const built = Object.entries(services).filter(([, s]) => s.build?.target === 'relay');
    expect(built.map(([name]) => name)).toEqual(['relay']);
    expect(relay.image).toMatch(/^wamesh\/relay:/);
    expect(relay.container_name).toBeUndefined();
    expect(relay.ports ?? []).toEqual([]);
    expect(relay.read_only).toBe(true);
  });

  it('relay - waits for every region NATS and the provisioning job', () => {
    for (const r of REGIONS) expect(deps[`nats-${r}`], r).toBe('service_healthy');
    expect(deps['provision']).toBe('service_completed_successfully');
  });
});

describe('relay - Dockerfile', () => {
  const stages = dockerStages();
  const stage = (name: string) => stages.find((s) => s.name === name);

  it('relay - the relay target runs its main with node as the runtime user, from production dependencies only', () => {
    const target = stage('relay');
    expect(target?.from).toBe('runtime');
    expect(target?.body).toContain('CMD ["node", "packages/relay/src/main.ts"]');
    expect(existsSync(join(ROOT, 'packages', 'relay', 'src', 'main.ts'))).toBe(true);
    expect(target?.body.some((l) => /pnpm/.test(l))).toBe(false);
    expect(stage('runtime')?.body.some((l) => /^USER node/.test(l))).toBe(true);
    expect(readText('Dockerfile')).toMatch(/pnpm install --offline --prod --frozen-lockfile --filter "@wamesh\/relay\.\.\."/);
  });
});

describe('relay - k8s', () => {
  for (const r of REGIONS) {
    const ms = render(k8sDir('overlays', r));
    const find = (kind: string): Manifest => {
      const m = ms.find((x) => x.kind === kind && x.metadata.name === 'wamesh-relay');
      if (!m) throw new Error(`${r}: no ${kind}/wamesh-relay`);
      return m;
    };

    it(`relay k8s ${r} - a Deployment and its metrics Service: tagged image, probes at a declared port, non-root, a grace period for attempts in flight`, () => {
      const d = find('Deployment');
      const c = podSpec(d).containers[0];
      expect(c.image).toMatch(/^wamesh\/relay:[\w.-]+$/);
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const service = find('Service');
      for (const sel of [d.spec.selector.matchLabels, service.spec.selector] as Record<string, string>[]) {
        expect(Object.entries(sel).every(([k, v]) => labels[k] === v)).toBe(true);
      }
      const portNames = (c.ports ?? []).map((p: { name: string }) => p.name);
      for (const p of service.spec.ports) expect(portNames).toContain(p.targetPort);
      expect(portNames).toContain(c.readinessProbe.httpGet.port);
      expect(portNames).toContain(c.livenessProbe.httpGet.port);
      expect(podSpec(d).securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.resources.limits.memory).toBeDefined();
      // Longer than an endpoint's default attempt timeout (10 s): SIGTERM lets it settle.
      expect(podSpec(d).terminationGracePeriodSeconds).toBeGreaterThan(10);
      expect(c.envFrom.map((e: { secretRef?: { name: string } }) => e.secretRef?.name).filter(Boolean)).toEqual(['wamesh-relay']);
    });
  }

  it('relay k8s - its Secret is documented with the keys it needs, and the README names it', () => {
    const example = readText('infra/k8s/base/secrets/relay.env.example');
    expect(example).toMatch(/^NATS_PASS=/m);
    expect(example).toMatch(/^RELAY_ENDPOINTS=\[/m);
    const readme = readText('infra/k8s/README.md');
    expect(readme).toContain('wamesh-relay');
    expect(readme).toContain('--from-env-file=relay.env');
  });
});
