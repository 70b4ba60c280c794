// A small Kustomize renderer for what infra/k8s uses (resources, namespace, labels,
// configMapGenerator with create/merge, replicas, images), so the manifests can be checked
// where no kubectl is installed. Generated names carry no hash suffix here; where kubectl
// exists, k8s.test.ts checks both renderings agree.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './files.ts';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in tests
  spec?: any;
  data?: Record<string, string>;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string> }[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'merge' | 'replace'; literals?: string[]; envs?: string[] }[];
  replicas?: { name: string; count: number }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

export const readManifests = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function envLines(text: string): [string, string][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

export function render(dir: string): Manifest[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const out: Manifest[] = [];
  for (const r of k.resources ?? []) {
    const path = join(dir, r);
    if (r.endsWith('.yaml') || r.endsWith('.yml')) out.push(...readManifests(path));
    else out.push(...render(path));
  }
  for (const g of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const l of g.literals ?? []) data[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
    for (const e of g.envs ?? []) for (const [key, v] of envLines(readFileSync(join(dir, e), 'utf8'))) data[key] = v;
    const existing = out.find((m) => m.kind === 'ConfigMap' && m.metadata.name === g.name);
    if (g.behavior === 'merge' || g.behavior === 'replace') {
      if (!existing) throw new Error(`${dir}: configMapGenerator ${g.name} ${g.behavior}s a ConfigMap the base lacks`);
      existing.data = g.behavior === 'merge' ? { ...existing.data, ...data } : data;
    } else {
      if (existing) throw new Error(`${dir}: ConfigMap ${g.name} generated twice`);
      out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
    }
  }
  for (const m of out) {
    for (const l of k.labels ?? []) m.metadata.labels = { ...m.metadata.labels, ...l.pairs };
    if (k.namespace) {
      if (m.kind === 'Namespace') m.metadata.name = k.namespace;
      else if (!CLUSTER_SCOPED.has(m.kind)) m.metadata.namespace = k.namespace;
    }
  }
  for (const r of k.replicas ?? []) {
    const d = out.find((m) => m.kind === 'Deployment' && m.metadata.name === r.name);
    if (!d) throw new Error(`${dir}: replicas for unknown Deployment ${r.name}`);
    d.spec.replicas = r.count;
  }
  for (const img of k.images ?? []) {
    for (const c of podContainers(out)) {
      const [name, tag] = splitImage(c.image);
      if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? tag ?? 'latest'}`;
    }
  }
  return out;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

/** The pod template spec of a workload (Deployment, Job), if it has one. */
// biome-ignore lint/suspicious/noExplicitAny: pod specs are checked field by field in tests
export const podSpec = (m: Manifest): any => m.spec?.template?.spec;

export const podContainers = (ms: Manifest[]): Container[] =>
  ms.flatMap((m) => (podSpec(m)?.containers as Container[] | undefined) ?? []);

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

/** `kubectl kustomize <dir>` when kubectl is installed, else undefined. */
export function kubectlRender(dir: string): Manifest[] | undefined {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${out.stderr}`);
  return parseAllDocuments(out.stdout).map((d) => d.toJS() as Manifest);
}

export const k8sDir = (...parts: string[]): string => join(ROOT, 'infra', 'k8s', ...parts);
