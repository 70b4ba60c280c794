import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REGIONS, ROOT, readText } from './files.ts';
import { type Container, k8sDir, kubectlRender, type Manifest, podSpec, readManifests, render } from './kustomize.ts';

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );

const rendered = new Map(REGIONS.map((r) => [r, render(k8sDir('overlays', r))]));
const find = (ms: Manifest[], kind: string, name: string): Manifest => {
  const m = ms.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind}/${name}`);
  return m;
};
const container = (m: Manifest): Container => podSpec(m).containers[0];

describe('k8s - manifests', () => {
  it('k8s - every manifest parses and has apiVersion, kind and metadata.name', () => {
    const files = yamlFiles(k8sDir());
    expect(files.length).toBeGreaterThan(6);
    for (const f of files) {
      if (f.endsWith('kustomization.yaml')) {
        const k = parse(readFileSync(f, 'utf8')) as { kind?: string; apiVersion?: string };
        expect(k.kind, relative(ROOT, f)).toBe('Kustomization');
        continue;
      }
      for (const m of readManifests(f)) {
        expect(m.apiVersion, relative(ROOT, f)).toMatch(/^[a-z./]*v\d/);
        expect(m.kind, relative(ROOT, f)).toMatch(/^[A-Z]/);
        expect(m.metadata?.name, relative(ROOT, f)).toMatch(/^[a-z0-9-]+$/);
      }
    }
  });

  it('k8s - one overlay per region, each built on the base and naming its region and NATS users', () => {
    const overlays = readdirSync(k8sDir('overlays')).sort();
    expect(overlays).toEqual([...REGIONS].sort());
    for (const r of REGIONS) {
      const k = parse(readText(`infra/k8s/overlays/${r}/kustomization.yaml`)) as { resources: string[] };
      expect(k.resources).toContain('../../base');
      const ms = rendered.get(r)!;
      expect(find(ms, 'ConfigMap', 'wamesh-region').data?.['WAMESH_REGION']).toBe(r);
      expect(find(ms, 'ConfigMap', 'wamesh-ingress').data?.['NATS_USER']).toBe(`ingress-${r}`);
      expect(find(ms, 'ConfigMap', 'wamesh-consumer').data?.['NATS_USER']).toBe(`consumer-${r}`);
      expect(find(ms, 'ConfigMap', 'wamesh-region').data?.['OTEL_RESOURCE_ATTRIBUTES']).toContain(`wa.region=${r}`);
    }
  });

  it('k8s - each overlay renders the workloads, services, autoscaler, budgets and the provisioning job', () => {
    for (const [r, ms] of rendered) {
      const kinds = ms.map((m) => `${m.kind}/${m.metadata.name}`);
      for (const want of [
        'Namespace/wamesh',
        'Deployment/wamesh-ingress',
        'Deployment/wamesh-consumer',
        'Service/wamesh-ingress',
        'Service/wamesh-consumer',
        'HorizontalPodAutoscaler/wamesh-ingress',
        'PodDisruptionBudget/wamesh-ingress',
        'PodDisruptionBudget/wamesh-consumer',
        'Job/wamesh-provision',
      ]) {
        expect(kinds, `${r}: ${want}`).toContain(want);
      }
      for (const m of ms) if (m.kind !== 'Namespace') expect(m.metadata.namespace, `${r} ${m.kind}`).toBe('wamesh');
    }
  });
});

describe('k8s - workloads', () => {
  for (const r of REGIONS) {
    const ms = rendered.get(r)!;

    it(`k8s ${r} - selectors of Deployments, Services and budgets match the pod labels`, () => {
      for (const name of ['wamesh-ingress', 'wamesh-consumer']) {
        const d = find(ms, 'Deployment', name);
        const labels = d.spec.template.metadata.labels as Record<string, string>;
        const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
        expect(matches(d.spec.selector.matchLabels)).toBe(true);
        expect(matches(find(ms, 'Service', name).spec.selector)).toBe(true);
        expect(matches(find(ms, 'PodDisruptionBudget', name).spec.selector.matchLabels)).toBe(true);
        // Service target ports are ports the pod names.
        const portNames = (container(d).ports ?? []).map((p) => p.name);
        for (const p of find(ms, 'Service', name).spec.ports) expect(portNames).toContain(p.targetPort);
      }
    });

    it(`k8s ${r} - containers: tagged image, probes on /readyz and /healthz at a declared port, limits, non-root`, () => {
      for (const name of ['wamesh-ingress', 'wamesh-consumer']) {
        const d = find(ms, 'Deployment', name);
        const c = container(d);
        expect(c.image).toMatch(/^wamesh\/(ingress|consumer):[\w.-]+$/);
        const portNames = (c.ports ?? []).map((p) => p.name);
        expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
        expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
        expect(portNames).toContain(c.readinessProbe?.httpGet?.port);
        expect(portNames).toContain(c.livenessProbe?.httpGet?.port);
        expect(c.resources?.requests?.['cpu'], 'the HPA needs CPU requests').toBeDefined();
        expect(c.resources?.limits?.['memory']).toBeDefined();
        expect(podSpec(d).securityContext.runAsNonRoot).toBe(true);
        expect(c.securityContext?.['allowPrivilegeEscalation']).toBe(false);
        expect(c.securityContext?.['readOnlyRootFilesystem']).toBe(true);
      }
    });

    it(`k8s ${r} - ingress scales on CPU; consumer has replicas, a budget and a grace period longer than a batch`, () => {
      const hpa = find(ms, 'HorizontalPodAutoscaler', 'wamesh-ingress');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'wamesh-ingress' });
      expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(find(ms, 'Deployment', 'wamesh-ingress').spec.replicas, 'the HPA owns the count').toBeUndefined();

      const consumer = find(ms, 'Deployment', 'wamesh-consumer');
      expect(consumer.spec.replicas).toBeGreaterThanOrEqual(2);
      const pdb = find(ms, 'PodDisruptionBudget', 'wamesh-consumer');
      expect(pdb.spec.maxUnavailable ?? consumer.spec.replicas - pdb.spec.minAvailable).toBeLessThan(consumer.spec.replicas);
      const data = find(ms, 'ConfigMap', 'wamesh-consumer').data!;
      const batchSeconds = Number(data['BATCH_MAX_WAIT_MS']) / 1000;
      const leaseSeconds = Number(data['LEASE_TTL_MS']) / 1000;
      // SIGTERM drains a batch (its wait plus the store write) and releases leases; the
      // grace period covers that with a wide margin, and a lease TTL besides.
      expect(podSpec(consumer).terminationGracePeriodSeconds).toBeGreaterThan(batchSeconds + leaseSeconds);
    });

    it(`k8s ${r} - the provisioning job runs wamesh provision for the region as the admin user`, () => {
      const job = find(ms, 'Job', 'wamesh-provision');
      const c = container(job);
      expect(c.image).toMatch(/^wamesh\/cli:/);
      expect(c.args?.[0]).toBe('provision');
      expect(c.args?.[c.args.indexOf('--regions') + 1]).toBe('$(WAMESH_REGION)');
      // Three copies of every stream: a 200 survives the loss of a NATS node (README, Durability).
      expect(c.args?.[c.args.indexOf('--replicas') + 1]).toBe('3');
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
      expect(env['WAMESH_REGION']?.valueFrom?.['configMapKeyRef']?.name).toBe('wamesh-region');
      expect(env['NATS_USER']?.value).toBe('admin');
      expect(env['NATS_PASS']?.valueFrom?.['secretKeyRef']).toMatchObject({ name: 'wamesh-admin', key: 'NATS_PASS' });
      expect(podSpec(job).restartPolicy).toMatch(/OnFailure|Never/);
    });
  }

  it('k8s - consumer and ingress export traces to the OTel collector', () => {
    for (const ms of rendered.values()) {
      expect(find(ms, 'ConfigMap', 'wamesh-common').data?.['OTEL_EXPORTER_OTLP_ENDPOINT']).toMatch(/^http:\/\/otel-collector\./);
    }
  });

  it('k8s - the README names the external NATS chart and MongoDB operator with values', () => {
    const readme = readText('infra/k8s/README.md');
    expect(readme).toMatch(/nats\/nats/);
    expect(readme).toMatch(/MongoDBCommunity/);
    expect(readme).toMatch(/gateway/);
  });
});

const kubectlOut = new Map(REGIONS.map((r) => [r, kubectlRender(k8sDir('overlays', r))]));

describe.skipIf(kubectlOut.get('us-east') === undefined)('k8s - kubectl kustomize', () => {
  const unhash = (name: string) => name.replace(/-[a-z0-9]{10}$/, '');
  it('k8s - kubectl kustomize renders every overlay like the test renderer does', () => {
    for (const [r, ms] of rendered) {
      const real = kubectlOut.get(r)!;
      const key = (m: Manifest) => `${m.kind}/${unhash(m.metadata.name)}`;
      expect(real.map(key).sort(), r).toEqual(ms.map(key).sort());
      for (const m of real) {
        const mine = ms.find((x) => key(x) === key(m))!;
        if (m.kind === 'ConfigMap') expect(m.data, `${r} ${key(m)}`).toEqual(mine.data);
        if (m.kind === 'Deployment') {
          expect(m.spec.replicas, `${r} ${key(m)}`).toEqual(mine.spec.replicas);
          expect(container(m).image).toBe(container(mine).image);
        }
        expect(m.metadata.namespace).toEqual(mine.metadata.namespace);
      }
    }
  });
});
