import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INGRESS_NODE_FLAGS } from '@wamesh/ingress';
import { isMap } from './nats-conf.ts';
import {
  type ComposeService,
  dockerStages,
  interpolate,
  loadCompose,
  natsConf,
  natsConfPath,
  REGIONS,
  ROOT,
  readText,
  serviceEnv,
} from './files.ts';

const compose = loadCompose();
const services = compose.services;
const svc = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`compose has no service ${name}`);
  return s;
};
const commandOf = (s: ComposeService): string[] =>
  (typeof s.command === 'string' ? s.command.split(/\s+/) : (s.command ?? [])).map(interpolate);
const deps = (s: ComposeService): Record<string, string> => {
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition]));
};
/** Services that run once and exit: compose waits for them with service_completed_successfully. */
const ONE_SHOT = new Set(['provision', 'mongo-keyfile', 'mongo-init', 'simulate']);
/** Distroless images (no shell, no wget/curl) cannot run a healthcheck; dependants wait for start. */
const NO_PROBE_TOOL = new Set(['jaeger', 'otel-collector']);

describe('compose - topology', () => {
  it('compose - every region has a NATS server, an ingress and a consumer', () => {
    for (const r of REGIONS) {
      expect(services[`nats-${r}`], r).toBeDefined();
      expect(services[`ingress-${r}`], r).toBeDefined();
      expect(services[`consumer-${r}`], r).toBeDefined();
      expect(serviceEnv(svc(`ingress-${r}`))['WAMESH_REGION']).toBe(r);
      expect(serviceEnv(svc(`consumer-${r}`))['WAMESH_REGION']).toBe(r);
    }
    const natsServices = Object.keys(services).filter((n) => n.startsWith('nats-'));
    expect(natsServices.sort()).toEqual(REGIONS.map((r) => `nats-${r}`).sort());
  });

  it('compose - each NATS server runs its region config with JetStream, cluster name = gateway name = region', () => {
    for (const r of REGIONS) {
      const s = svc(`nats-${r}`);
      expect(s.image).toMatch(/^nats:2\.1\d/);
      expect(commandOf(s)).toContain(`/etc/nats/${r}.conf`);
      expect(s.volumes).toContain('./infra/nats:/etc/nats:ro');
      const conf = natsConf(r);
      expect(isMap(conf['jetstream'])).toBe(true);
      const cluster = conf['cluster'];
      const gateway = conf['gateway'];
      if (!isMap(cluster) || !isMap(gateway)) throw new Error(`${r}: cluster and gateway blocks expected`);
      expect(cluster['name']).toBe(r);
      expect(gateway['name']).toBe(r);
      expect(serviceEnv(s)['SERVER_NAME']).toBe(`nats-${r}`);
    }
  });

  it('compose - a region served by one NATS server fsyncs each write before acking it (sync_interval: always)', () => {
    for (const r of REGIONS) {
      const servers = Object.keys(services).filter((n) => n === `nats-${r}` || n.startsWith(`nats-${r}-`));
      const jetstream = natsConf(r)['jetstream'];
      if (!isMap(jetstream)) throw new Error(`${r}: jetstream block expected`);
      // One node means R1 streams: a 200 must not rest on a write still in the page cache.
      if (servers.length === 1) expect(jetstream['sync_interval'], r).toBe('always');
    }
  });

  it('compose - gateways form a full mesh between the regions, on ports the servers listen on', () => {
    const edges = new Set<string>();
    for (const r of REGIONS) {
      const gateway = natsConf(r)['gateway'];
      if (!isMap(gateway)) throw new Error(`${r}: gateway block expected`);
      const listenPort = String(gateway['listen']).split(':').at(-1);
      for (const g of gateway['gateways'] as unknown[]) {
        if (!isMap(g as never)) throw new Error('gateway entry must be a map');
        const { name, urls } = g as { name: string; urls: string[] };
        expect(name).not.toBe(r);
        for (const url of urls) {
          const m = /^nats:\/\/([^:]+):(\d+)$/.exec(url);
          expect(m, url).not.toBeNull();
          expect(m![1]).toBe(`nats-${name}`);
          expect(services[m![1]!], `${url} names a compose service`).toBeDefined();
          expect(m![2]).toBe(listenPort);
        }
        edges.add(`${r}->${name}`);
      }
    }
    for (const a of REGIONS) for (const b of REGIONS) if (a !== b) expect(edges.has(`${a}->${b}`), `${a}->${b}`).toBe(true);
    expect(edges.size).toBe(REGIONS.length * (REGIONS.length - 1));
  });

  it('compose - host ports are unique across services', () => {
    const seen = new Map<string, string>();
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        const host = String(p).split(':').slice(0, -1).join(':');
        expect(host, `${name} publishes ${p} on a fixed host port`).not.toBe('');
        expect(seen.get(host), `host port ${host} of ${name}`).toBeUndefined();
        seen.set(host, name);
      }
    }
    // One ingress endpoint per region on the host.
    expect(REGIONS.map((r) => svc(`ingress-${r}`).ports?.length)).toEqual([1, 1, 1]);
  });

  it('compose - consumers can be scaled: no container_name and no fixed host port', () => {
    for (const r of REGIONS) {
      const s = svc(`consumer-${r}`);
      expect(s.container_name).toBeUndefined();
      expect(s.ports ?? []).toEqual([]);
    }
    for (const s of Object.values(services)) expect(s.container_name).toBeUndefined();
  });
});

describe('compose - health and start order', () => {
  it('compose - every long-running service has a healthcheck (except distroless images)', () => {
    for (const [name, s] of Object.entries(services)) {
      if (ONE_SHOT.has(name) || NO_PROBE_TOOL.has(name)) continue;
      expect(s.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      expect(s.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it('compose - ingress and consumer healthchecks probe /readyz on their own port', () => {
    for (const r of REGIONS) {
      const ingress = svc(`ingress-${r}`);
      const consumer = svc(`consumer-${r}`);
      expect(String(ingress.healthcheck?.test)).toContain(`127.0.0.1:${serviceEnv(ingress)['PORT']}/readyz`);
      expect(String(consumer.healthcheck?.test)).toContain(`127.0.0.1:${serviceEnv(consumer)['PORT']}/readyz`);
    }
  });

  it('compose - depends_on always has a condition that matches the dependency', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(Array.isArray(s.depends_on), `${name} depends_on must name conditions`).toBe(false);
      for (const [dep, condition] of Object.entries(deps(s))) {
        const target = services[dep];
        expect(target, `${name} depends on unknown ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(target?.healthcheck, `${dep} has no healthcheck`).toBeDefined();
        else if (condition === 'service_completed_successfully') expect(ONE_SHOT.has(dep), `${dep} is not a job`).toBe(true);
        else expect(condition, `${name} -> ${dep}`).toBe('service_started');
      }
    }
  });

  it('compose - services wait for what they need', () => {
    for (const r of REGIONS) {
      const ingress = deps(svc(`ingress-${r}`));
      const consumer = deps(svc(`consumer-${r}`));
      expect(ingress[`nats-${r}`]).toBe('service_healthy');
      expect(ingress['provision']).toBe('service_completed_successfully');
      expect(consumer[`nats-${r}`]).toBe('service_healthy');
      expect(consumer['provision']).toBe('service_completed_successfully');
      expect(consumer['mongo-init']).toBe('service_completed_successfully');
      expect(deps(svc('provision'))[`nats-${r}`]).toBe('service_healthy');
      expect(deps(svc('simulate'))[`ingress-${r}`]).toBe('service_healthy');
    }
    for (const m of ['mongo1', 'mongo2', 'mongo3']) expect(deps(svc('mongo-init'))[m]).toBe('service_healthy');
  });
});

describe('compose - MongoDB replica set', () => {
  const members = ['mongo1', 'mongo2', 'mongo3'];

  it('compose - three members run with --replSet rs0 and a keyfile, root user set', () => {
    for (const m of members) {
      const s = svc(m);
      const cmd = commandOf(s);
      expect(cmd.slice(cmd.indexOf('--replSet'), cmd.indexOf('--replSet') + 2)).toEqual(['--replSet', 'rs0']);
      expect(cmd).toContain('--keyFile');
      expect(serviceEnv(s)['MONGO_INITDB_ROOT_USERNAME']).toBeTruthy();
      expect(serviceEnv(s)['MONGO_INITDB_ROOT_PASSWORD']).toBeTruthy();
      expect(deps(s)['mongo-keyfile']).toBe('service_completed_successfully');
    }
  });

  it('compose - the init script initiates all three members, majority write concern and an app user', () => {
    const script = readText('infra/mongo/init-replica-set.js');
    for (const m of members) expect(script).toContain(`'${m}:27017'`);
    expect(script).toMatch(/_id: 'rs0'/);
    expect(script).toMatch(/setDefaultRWConcern: 1, defaultWriteConcern: \{ w: 'majority' \}/);
    expect(script).toContain('createUser');
    expect(commandOf(svc('mongo-init'))).toContain('/scripts/init-replica-set.js');
  });

  it('compose - consumers connect to the whole set with w=majority as the app user', () => {
    for (const r of REGIONS) {
      const raw = serviceEnv(svc(`consumer-${r}`))['MONGODB_URI']!;
      // A seed list is no WHATWG URL: split it by hand.
      const m = /^mongodb:\/\/([^:]+):([^@]+)@([^/]+)\/([^?]*)\?(.*)$/.exec(raw);
      if (!m) throw new Error(`${r}: MONGODB_URI is not mongodb://user:pass@hosts/db?options`);
      expect(m[3]!.split(',').sort()).toEqual(members.map((h) => `${h}:27017`));
      const params = new URLSearchParams(m[5]);
      expect(params.get('replicaSet')).toBe('rs0');
      expect(params.get('w')).toBe('majority');
      expect(m[1]).toBe(serviceEnv(svc('mongo-init'))['MONGO_APP_USER']);
      expect(m[2]).toBe(serviceEnv(svc('mongo-init'))['MONGO_APP_PASSWORD']);
      expect(params.get('authSource')).toBe(serviceEnv(svc('mongo-init'))['MONGODB_DB']);
      expect(serviceEnv(svc(`consumer-${r}`))['STORE']).toBe('mongo');
    }
  });
});

describe('compose - images, jobs and tracing', () => {
  it('compose - every built image names an existing Dockerfile target', () => {
    const targets = new Set(dockerStages().map((s) => s.name));
    let built = 0;
    for (const [name, s] of Object.entries(services)) {
      if (!s.build) continue;
      built++;
      expect(s.build.context, name).toBe('.');
      expect(s.build.dockerfile ?? 'Dockerfile', name).toBe('Dockerfile');
      expect(targets.has(s.build.target), `${name}: target ${s.build.target}`).toBe(true);
      expect(s.image, `${name} tags its image so replicas and services share it`).toMatch(/^wamesh\//);
    }
    expect(built).toBeGreaterThanOrEqual(2 * REGIONS.length + 2);
  });

  it('compose - the provision job runs `wamesh provision` for every region as the admin user', () => {
    const p = svc('provision');
    const cmd = commandOf(p);
    expect(cmd[0]).toBe('provision');
    expect(cmd[cmd.indexOf('--regions') + 1]?.split(',').sort()).toEqual([...REGIONS].sort());
    expect(serviceEnv(p)['NATS_USER']).toBe('admin');
  });

  it('compose - the simulate profile runs `wamesh simulate` against the three ingress endpoints', () => {
    const s = svc('simulate');
    expect(s.profiles).toEqual(['simulate']);
    const cmd = commandOf(s);
    expect(cmd[0]).toBe('simulate');
    const line = cmd.join(' ');
    for (const r of REGIONS) expect(line).toContain(`http://ingress-${r}:${serviceEnv(svc(`ingress-${r}`))['PORT']}`);
    expect(serviceEnv(s)['WA_APP_SECRETS']).toBe(serviceEnv(svc('ingress-us-east'))['WA_APP_SECRETS']);
  });

  it('compose - services export traces to the collector, which sends them to Jaeger', () => {
    for (const r of REGIONS) {
      for (const kind of ['ingress', 'consumer']) {
        const env = serviceEnv(svc(`${kind}-${r}`));
        expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe('http://otel-collector:4318');
        expect(env['OTEL_SERVICE_NAME']).toBe(`wamesh-${kind}`);
        expect(env['OTEL_RESOURCE_ATTRIBUTES']).toContain(`wa.region=${r}`);
      }
    }
    const collector = readText('infra/otel/collector.yaml');
    expect(collector).toMatch(/endpoint: 0\.0\.0\.0:4318/);
    expect(collector).toMatch(/endpoint: jaeger:4317/);
    expect(svc('jaeger').ports).toContain('16686:16686');
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();
  const byName = new Map(stages.map((s) => [s.name, s]));
  const chain = (name: string): { from: string; name: string | undefined; body: string[] }[] => {
    const out = [];
    let s = byName.get(name);
    while (s) {
      out.push(s);
      s = byName.get(s.from);
    }
    return out;
  };

  it('Dockerfile - multi-stage on Node 24 with a target per service', () => {
    expect(stages.length).toBeGreaterThan(3);
    expect(readText('Dockerfile')).toMatch(/ARG NODE_IMAGE=node:24-/);
    for (const t of ['ingress', 'consumer', 'cli']) expect(byName.has(t), t).toBe(true);
  });

  it('Dockerfile - service targets run as a non-root user without pnpm and start .ts with node', () => {
    // The ingress starts with the flags `wamesh dev` and the benchmark use.
    const command: Record<string, string> = {
      ingress: ['node', ...INGRESS_NODE_FLAGS, 'packages/ingress/src/main.ts'].map((a) => `"${a}"`).join(', '),
      consumer: '"node", "packages/consumer/src/main.ts"',
      cli: '"node", "packages/cli/src/main.ts"',
    };
    for (const [target, cmd] of Object.entries(command)) {
      const file = cmd.split(', ').at(-1)!.replaceAll('"', '');
      const lines = chain(target).flatMap((s) => s.body);
      expect(lines.some((l) => /^USER (node|\d+)/.test(l)), `${target} USER`).toBe(true);
      expect(lines.some((l) => /pnpm/.test(l)), `${target} ships pnpm`).toBe(false);
      expect(lines.join('\n')).toContain(cmd);
      expect(existsSync(join(ROOT, file)), `${file} exists`).toBe(true);
    }
  });

  it('Dockerfile - dependencies are installed production-only from the lockfile', () => {
    const text = readText('Dockerfile');
    for (const t of ['ingress', 'consumer', 'cli']) {
      expect(text).toMatch(new RegExp(`pnpm install --offline --prod --frozen-lockfile --filter "@wamesh/${t}\\.\\.\\."`));
    }
    const ignore = readText('.dockerignore');
    for (const p of ['**/node_modules', '.git', '**/*.test.ts']) expect(ignore).toContain(p);
  });
});

describe('NATS server configs', () => {
  const bin = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  const env = (region: string): NodeJS.ProcessEnv => ({ ...process.env, ...serviceEnv(svc(`nats-${region}`)) });
  // Compose runs nats:2.1x; a local 2.9 refuses sync_interval (2.10+), so it checks a copy
  // without that line (its value is asserted above) and everything else as written.
  const [major = 0, minor = 0] = (/v(\d+)\.(\d+)/.exec(bin.stdout ?? '') ?? []).slice(1).map(Number);
  const confOf = (region: string): string => {
    const path = natsConfPath(region);
    if (major > 2 || minor >= 10) return path;
    const dir = mkdtempSync(join(tmpdir(), 'wamesh-nats-conf-'));
    for (const f of readdirSync(dirname(path))) {
      writeFileSync(join(dir, f), readFileSync(join(dirname(path), f), 'utf8').replace(/^\s*sync_interval:.*$/gm, ''));
    }
    return join(dir, basename(path));
  };

  it.skipIf(bin.status !== 0)('nats-server - accepts each region config with the compose environment (nats-server -t)', () => {
    for (const r of REGIONS) {
      const out = spawnSync('nats-server', ['-t', '-c', confOf(r)], { env: env(r), encoding: 'utf8' });
      expect(out.status, `${r}: ${out.stderr}${out.stdout}`).toBe(0);
    }
  });

  it('nats-server - every password a config references is given to the server by compose', () => {
    for (const r of REGIONS) {
      const refs = [...readText('infra/nats/accounts.conf').matchAll(/password: \$([A-Z0-9_]+)/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThan(6);
      for (const ref of refs) expect(serviceEnv(svc(`nats-${r}`))[ref], `${r}: ${ref}`).toBeTruthy();
    }
  });
});
