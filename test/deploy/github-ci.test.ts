// The GitHub workflow cannot run here (no runner, no MongoDB server): these checks hold it to
// what it promises. It parses; one job starts a MongoDB 8 replica set, points MONGODB_URI at
// it and then runs `make test`; compose config covers every profile; kustomize renders every
// overlay directory that exists.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { readText } from './files.ts';
import { k8sDir } from './kustomize.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const WORKFLOW = '.github/workflows/ci.yml';
const workflow = parse(readText(WORKFLOW)) as Workflow;
const jobs = Object.entries(workflow.jobs);

/** A step's script once per matrix combination, `${{ matrix.x }}` filled in. */
function scripts(job: Job, step: Step): string[] {
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(job.strategy?.matrix ?? {})) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: String(v) })));
  }
  return combos.map((c) =>
    (step.run ?? '').replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_m, key: string) => {
      const v = c[key];
      if (v === undefined) throw new Error(`${WORKFLOW}: matrix.${key} is not in the matrix`);
      return v;
    }),
  );
}
const allScripts = (): string[] => jobs.flatMap(([, job]) => job.steps.flatMap((s) => scripts(job, s)));
const commandLines = (script: string): string[] => script.split('\n').map((l) => l.trim());

describe('github ci - workflow', () => {
  it('github ci - the workflow parses, runs on pushes and pull requests, every job on a clean ubuntu runner after a checkout', () => {
    const doc = parseDocument(readText(WORKFLOW));
    expect(doc.errors).toEqual([]);
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [name, job] of jobs) {
      expect(job['runs-on'], name).toMatch(/^ubuntu-/);
      expect(job.steps[0]?.uses, name).toMatch(/^actions\/checkout@v\d+$/);
    }
  });

  it('github ci - one job starts a MongoDB 8 replica set, sets MONGODB_URI to it, then runs make test on Node 24', () => {
    const testJobs = jobs.filter(([, job]) => job.steps.some((s) => s.run !== undefined && commandLines(s.run).includes('make test')));
    expect(testJobs.map(([name]) => name)).toHaveLength(1);
    const [name, job] = testJobs[0]!;
    const makeAt = job.steps.findIndex((s) => s.run !== undefined && commandLines(s.run).includes('make test'));

    const uri = new URL(job.steps[makeAt]!.env?.['MONGODB_URI'] ?? job.env?.['MONGODB_URI'] ?? '');
    expect(uri.protocol, `${name}: MONGODB_URI`).toBe('mongodb:');
    const replicaSet = uri.searchParams.get('replicaSet');
    expect(replicaSet, `${name}: MONGODB_URI names the replica set`).toMatch(/^\w+$/);

    // mongod from a step (service containers cannot be given --replSet), before make test.
    const mongoAt = job.steps.findIndex((s) => /\bmongo:\d/.test(s.run ?? ''));
    expect(mongoAt, `${name}: a step starts mongod`).toBeGreaterThanOrEqual(0);
    expect(mongoAt).toBeLessThan(makeAt);
    const mongo = job.steps[mongoAt]!.run!;
    expect(mongo).toMatch(/\bmongo:8[.\s]/);
    expect(mongo).toContain(`--replSet ${replicaSet}`);
    expect(mongo).toContain(`--publish ${uri.port}:27017`);
    // Initiated with itself as the member, at the address the URI reaches it by, and waited for.
    expect(mongo).toMatch(new RegExp(`rs\\.initiate\\(\\{ _id: "${replicaSet}", members: \\[\\{ _id: 0, host: "${uri.host}" \\}\\] \\}\\)`));
    expect(mongo).toContain('isWritablePrimary');

    // The Node major scripts/bootstrap.sh wants, so make test does not fetch another.
    const nodeMajor = /^node_major=(\d+)$/m.exec(readText('scripts/bootstrap.sh'))?.[1];
    const setupNode = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe(nodeMajor);
  });

  it('github ci - docker compose config runs with every profile the compose file declares', () => {
    const compose = parse(readText('docker-compose.yml')) as { services: Record<string, { profiles?: string[] }> };
    const profiles = new Set(Object.values(compose.services).flatMap((s) => s.profiles ?? []));
    const runs = allScripts()
      .flatMap(commandLines)
      .filter((l) => /^docker compose\b.*\bconfig\b/.test(l));
    expect(runs).toHaveLength(1);
    for (const p of profiles) expect(runs[0], `profile ${p}`).toContain(`--profile ${p}`);
  });

  it('github ci - kubectl kustomize renders each overlay directory on disk, and only those', () => {
    const onDisk = readdirSync(k8sDir('overlays'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(onDisk.length).toBeGreaterThan(0);
    const rendered = allScripts()
      .flatMap(commandLines)
      .flatMap((l) => /^kubectl kustomize infra\/k8s\/overlays\/([\w-]+)$/.exec(l)?.[1] ?? [])
      .sort();
    expect(rendered).toEqual(onDisk);
  });
});
