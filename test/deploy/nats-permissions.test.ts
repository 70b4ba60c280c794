import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePorts } from '@wamesh/nats-harness';
// The bus is no dependency of the root package; its lease module is loaded from its source.
import { createShardLeases } from '../../packages/bus/src/leases.ts';
import { silentLogger } from '../../packages/bus/src/logger.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpolate, loadCompose, REGIONS, ROOT, serviceEnv } from './files.ts';
import { type ConfMap, isMap, parseNatsConf, subjectMatches } from './nats-conf.ts';

const ACCOUNTS = join(ROOT, 'infra', 'nats', 'accounts.conf');
const accounts = parseNatsConf(ACCOUNTS);

interface User {
  user: string;
  pub: string[];
  sub: string[];
}

function users(): Map<string, User> {
  const out = new Map<string, User>();
  const accs = accounts['accounts'] as ConfMap;
  const wamesh = accs['WAMESH'] as ConfMap;
  for (const u of wamesh['users'] as ConfMap[]) {
    const perms = u['permissions'];
    if (!isMap(perms)) throw new Error(`user ${String(u['user'])} has no permissions`);
    const allow = (k: string): string[] => {
      const block = perms[k];
      if (!isMap(block)) return [];
      expect(block['deny'], `${String(u['user'])} uses allow-lists only`).toBeUndefined();
      return (block['allow'] as string[]) ?? [];
    };
    out.set(String(u['user']), { user: String(u['user']), pub: allow('publish'), sub: allow('subscribe') });
  }
  return out;
}

const all = users();
const user = (name: string): User => {
  const u = all.get(name);
  if (!u) throw new Error(`accounts.conf has no user ${name}`);
  return u;
};
const canPub = (u: User, subject: string): boolean => u.pub.some((p) => subjectMatches(p, subject));
const canSub = (u: User, subject: string): boolean => u.sub.some((p) => subjectMatches(p, subject));
const upper = (r: string): string => r.toUpperCase().replace(/[^A-Z0-9]/g, '_');

describe('NATS permissions - static', () => {
  it('permissions - one user per service and region, each with its own password variable', () => {
    const compose = loadCompose();
    for (const r of REGIONS) {
      for (const kind of ['ingress', 'consumer']) {
        const env = serviceEnv(compose.services[`${kind}-${r}`]!);
        expect(env['NATS_USER']).toBe(`${kind}-${r}`);
        expect(all.has(`${kind}-${r}`)).toBe(true);
        // The service's password is the one the servers were given for that user.
        const natsEnv = serviceEnv(compose.services[`nats-${r}`]!);
        expect(env['NATS_PASS']).toBe(natsEnv[`NATS_PASS_${kind.toUpperCase()}_${upper(r)}`]);
      }
    }
  });

  it('permissions - no service may subscribe to anything but its own inbox', () => {
    for (const u of all.values()) expect(u.sub, u.user).toEqual(['_INBOX.>']);
  });

  for (const r of REGIONS) {
    const R = upper(r);
    const others = REGIONS.filter((o) => o !== r);

    it(`permissions - ingress-${r} publishes only its region's input subjects, field events and quarantine`, () => {
      const u = user(`ingress-${r}`);
      expect(canPub(u, `wa.${r}.msg.0`)).toBe(true);
      expect(canPub(u, `wa.${r}.status.15`)).toBe(true);
      expect(canPub(u, `wafield.${r}.account_update`)).toBe(true);
      expect(canPub(u, `waquar.${r}`)).toBe(true);
      for (const o of others) expect(canPub(u, `wafield.${o}.account_update`), o).toBe(false);
      for (const o of others) expect(canPub(u, `waquar.${o}`), o).toBe(false);
      expect(canSub(u, `wa.${r}.msg.0`)).toBe(false);
      expect(canSub(u, `wa.${r}.status.0`)).toBe(false);
      for (const o of others) expect(canPub(u, `wa.${o}.msg.0`), o).toBe(false);
      for (const s of [
        `wadlq.${r}.0`,
        `wa.${r}.other.0`,
        `$KV.wamesh_leases_${r}.shard.0`,
        `$JS.API.STREAM.CREATE.WA_${R}`,
        `$JS.API.STREAM.DELETE.WA_${R}`,
        `$JS.API.STREAM.PURGE.WA_${R}`,
        `$JS.API.CONSUMER.MSG.NEXT.WA_${R}.shard-0`,
        `$JS.ACK.WA_${R}.shard-0.1.1.1.1.0`,
      ]) {
        expect(canPub(u, s), s).toBe(false);
      }
    });

    it(`permissions - consumer-${r} pulls and acks its region, writes dead letters and leases`, () => {
      const u = user(`consumer-${r}`);
      for (const s of [
        `$JS.API.CONSUMER.INFO.WA_${R}.shard-3`,
        `$JS.API.CONSUMER.MSG.NEXT.WA_${R}.shard-3`,
        `$JS.ACK.WA_${R}.shard-3.1.10.10.1700000000000000000.0`,
        `$JS.API.CONSUMER.MSG.NEXT.WAFIELD_${R}.fields`,
        `$JS.ACK.WAFIELD_${R}.fields.1.10.10.1700000000000000000.0`,
        `wadlq.${r}.3`,
        `$KV.wamesh_leases_${r}.shard.3`,
        `$JS.API.STREAM.INFO.KV_wamesh_leases_${r}`,
        `$JS.API.DIRECT.GET.KV_wamesh_leases_${r}.$KV.wamesh_leases_${r}.shard.3`,
      ]) {
        expect(canPub(u, s), s).toBe(true);
      }
      for (const s of [
        `wa.${r}.msg.0`,
        `wa.${r}.status.0`,
        `wafield.${r}.account_update`,
        `waquar.${r}`,
        `$JS.API.STREAM.CREATE.WA_${R}`,
        `$JS.API.STREAM.UPDATE.WA_${R}`,
        `$JS.API.STREAM.DELETE.WA_${R}`,
        `$JS.API.STREAM.PURGE.WA_${R}`,
        `$JS.API.CONSUMER.DELETE.WA_${R}.shard-0`,
        `$JS.API.CONSUMER.CREATE.WA_${R}.shard-0`,
        `$JS.API.STREAM.MSG.DELETE.WA_${R}`,
      ]) {
        expect(canPub(u, s), s).toBe(false);
      }
      expect(canSub(u, `wa.${r}.msg.0`)).toBe(false);
      for (const o of others) {
        const O = upper(o);
        for (const s of [
          `$JS.API.CONSUMER.MSG.NEXT.WA_${O}.shard-0`,
          `$JS.ACK.WA_${O}.shard-0.1.1.1.1.0`,
          `wadlq.${o}.0`,
          `$KV.wamesh_leases_${o}.shard.0`,
        ]) {
          expect(canPub(u, s), s).toBe(false);
        }
      }
    });
  }

  it('permissions - relay reads the change feed, writes its own dead letters, cursors and leases, nothing else', () => {
    const u = user('relay');
    for (const s of [
      '$JS.API.STREAM.INFO.KV_wamesh_events',
      '$JS.API.CONSUMER.CREATE.KV_wamesh_events',
      '$JS.API.CONSUMER.MSG.NEXT.KV_wamesh_events.feed-1',
      'wamesh.relaydlq.app',
      '$JS.API.STREAM.CREATE.RELAYDLQ',
      '$KV.wamesh_relay.cursor.app.0',
      '$JS.API.DIRECT.GET.KV_wamesh_relay.$KV.wamesh_relay.cursor.app.0',
      '$KV.wamesh_relay_deliveries.app.ZTE',
      '$JS.API.STREAM.CREATE.KV_wamesh_relay_deliveries',
      '$KV.wamesh_leases_relay.shard.0',
    ]) {
      expect(canPub(u, s), s).toBe(true);
    }
    for (const s of [
      '$KV.wamesh_events.e.1',
      '$JS.API.STREAM.UPDATE.KV_wamesh_events',
      '$JS.API.STREAM.DELETE.KV_wamesh_events',
      '$JS.API.STREAM.PURGE.KV_wamesh_events',
      '$JS.API.STREAM.DELETE.RELAYDLQ',
      '$JS.API.STREAM.MSG.DELETE.RELAYDLQ',
      ...REGIONS.flatMap((r) => [`wa.${r}.msg.0`, `wadlq.${r}.0`, `$KV.wamesh_leases_${r}.shard.0`, `$JS.API.STREAM.CREATE.WA_${upper(r)}`]),
    ]) {
      expect(canPub(u, s), s).toBe(false);
    }
  });

  it('permissions - the admin user uses the JetStream API only, no data subjects', () => {
    const u = user('admin');
    expect(canPub(u, '$JS.API.STREAM.CREATE.WA_US_EAST')).toBe(true);
    for (const s of ['wa.us-east.msg.0', 'wadlq.us-east.0', '$KV.wamesh_leases_us-east.shard.0']) {
      expect(canPub(u, s), s).toBe(false);
    }
  });
});

// The same accounts file loaded by a real nats-server: what the static checks claim holds.
const hasServer = spawnSync('nats-server', ['--version']).status === 0;

describe.skipIf(!hasServer)('NATS permissions - enforced by a real nats-server', () => {
  const region = 'us-east';
  const R = upper(region);
  const passwords: Record<string, string> = {};
  for (const name of Object.keys(serviceEnv(loadCompose().services['nats-us-east']!))) {
    if (name.startsWith('NATS_PASS_')) passwords[name] = `pw-${name.toLowerCase()}`;
  }
  let dir = '';
  let child: ReturnType<typeof spawn> | undefined;
  let url = '';
  const conns: NatsConnection[] = [];
  const login = async (name: string, pass: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: url, user: name, pass, reconnect: false });
    conns.push(nc);
    return nc;
  };
  const errors = (nc: NatsConnection): string[] => {
    const seen: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.error));
    })();
    return seen;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wamesh-perms-'));
    copyFileSync(ACCOUNTS, join(dir, 'accounts.conf'));
    const [port] = await freePorts(1);
    url = `nats://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'nats.conf'),
      `listen: "127.0.0.1:${port}"\njetstream { store_dir: "${join(dir, 'js')}" }\ninclude ./accounts.conf\n`,
    );
    child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { env: { ...process.env, ...passwords }, stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const nc = await connect({ servers: url, user: 'admin', pass: passwords['NATS_PASS_ADMIN']!, reconnect: false });
        await nc.close();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
    // The compose provisioning job, as it runs there: `wamesh provision …` as the admin user.
    const provision = loadCompose().services['provision']!;
    const args = (provision.command as string[]).map(interpolate);
    const env = { ...process.env, ...serviceEnv(provision), NATS_URLS: url, NATS_PASS: passwords['NATS_PASS_ADMIN']! };
    const out = spawnSync(process.execPath, [join(ROOT, 'packages', 'cli', 'src', 'main.ts'), ...args], { env, encoding: 'utf8' });
    expect(out.status, `wamesh ${args.join(' ')}\n${out.stdout}${out.stderr}`).toBe(0);
  });

  afterAll(async () => {
    await Promise.allSettled(conns.map((nc) => nc.close()));
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('permissions (live) - the admin user provisioned every region with the compose job', async () => {
    const admin = await login('admin', passwords['NATS_PASS_ADMIN']!);
    const jsm = await jetstreamManager(admin);
    for (const r of REGIONS) {
      expect((await jsm.streams.info(`WA_${upper(r)}`)).config.name).toBe(`WA_${upper(r)}`);
      expect((await jsm.consumers.info(`WA_${upper(r)}`, 'shard-15')).name).toBe('shard-15');
      expect((await new Kvm(admin).open(`wamesh_leases_${r}`).then((kv) => kv.status())).ttl).toBeGreaterThan(0);
    }
  });

  it('permissions (live) - ingress publishes to its stream and gets the PubAck, nothing else', async () => {
    const nc = await login(`ingress-${region}`, passwords[`NATS_PASS_INGRESS_${R}`]!);
    const seen = errors(nc);
    const ack = await jetstream(nc).publish(`wa.${region}.msg.0`, 'e1', { msgID: 'e1' });
    expect(ack.stream).toBe(`WA_${R}`);
    const sub = nc.subscribe(`wa.${region}.>`);
    nc.publish('wa.eu-west.msg.0', 'x');
    nc.publish(`wadlq.${region}.0`, 'x');
    await nc.flush();
    await expect(sub.closed).resolves.toBeInstanceOf(Error);
    await sleep(200);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Subscription to "wa\.us-east\.>"/i);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Publish to "wa\.eu-west\.msg\.0"/i);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Publish to "wadlq\.us-east\.0"/i);
  });

  it('permissions (live) - the ingress runs with its compose environment and user: ready, and a signed webhook is stored', async () => {
    const [port] = await freePorts(1);
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
    for (const [k, v] of Object.entries(serviceEnv(loadCompose().services[`ingress-${region}`]!))) {
      if (!k.startsWith('OTEL_')) env[k] = v; // no collector here
    }
    Object.assign(env, { NATS_URLS: url, NATS_PASS: passwords[`NATS_PASS_INGRESS_${R}`]!, PORT: String(port), HOST: '127.0.0.1' });
    const ingress = spawn(process.execPath, [join(ROOT, 'packages', 'ingress', 'src', 'main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ingress.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    ingress.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const res = await fetch(`${base}/readyz`).catch(() => undefined);
        if (res?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`ingress never ready: ${res?.status}\n${out}`);
        await sleep(200);
      }
      const admin = await login('admin', passwords['NATS_PASS_ADMIN']!);
      const stored = async () => (await (await jetstreamManager(admin)).streams.info(`WA_${R}`)).state.messages;
      const before = await stored();
      const body = readFileSync(join(ROOT, 'test', 'fixtures', 'webhooks', 'status-read.json'), 'utf8');
      const signature = createHmac('sha256', env['WA_APP_SECRETS']!.split(',')[0]!).update(body).digest('hex');
      const res = await fetch(`${base}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
        body,
      });
      expect(res.status, `${await res.text()}\n${out}`).toBe(200);
      expect(await stored()).toBe(before + 1);
      // A field event and a body that is not JSON: to their own streams, under the same user.
      const jsm = await jetstreamManager(admin);
      const count = async (stream: string) => (await jsm.streams.info(stream)).state.messages;
      const [fields, quarantined] = [await count(`WAFIELD_${R}`), await count(`WAQUAR_${R}`)];
      for (const other of [readFileSync(join(ROOT, 'test', 'fixtures', 'webhooks', 'field-template-status.json'), 'utf8'), 'not json']) {
        const sig = createHmac('sha256', env['WA_APP_SECRETS']!.split(',')[0]!).update(other).digest('hex');
        const r2 = await fetch(`${base}/webhook`, { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${sig}` }, body: other });
        expect(r2.status, `${await r2.text()}\n${out}`).toBe(200);
      }
      expect([await count(`WAFIELD_${R}`), await count(`WAQUAR_${R}`)]).toEqual([fields + 1, quarantined + 1]);
      expect(out).not.toMatch(/Permissions Violation/i);
    } finally {
      ingress.kill('SIGTERM');
    }
  });

  it('permissions (live) - the relay runs with its compose environment and user: its resources made, its lease taken, the feed read; admin lists its dead letters', async () => {
    // The feed is the kv store's event log; the store makes its bucket (here, the admin).
    const admin = await login('admin', passwords['NATS_PASS_ADMIN']!);
    await new Kvm(admin).create('wamesh_events', { history: 1 });
    const [port] = await freePorts(1);
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
    for (const [k, v] of Object.entries(serviceEnv(loadCompose().services['relay']!))) {
      if (!k.startsWith('OTEL_')) env[k] = v; // no collector here
    }
    Object.assign(env, { NATS_URLS: url, NATS_PASS: passwords['NATS_PASS_RELAY']!, METRICS_PORT: String(port), LEASE_TTL_MS: '2000' });
    const relay = spawn(process.execPath, [join(ROOT, 'packages', 'relay', 'src', 'main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    relay.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    relay.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const jsm = await jetstreamManager(admin);
      const rows = async (stream: string) => (await jsm.streams.info(stream).catch(() => undefined))?.state.messages ?? 0;
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.status).toBe(200);
      // Its resources made and its lease taken; then it reads the (empty) feed.
      await expect.poll(() => rows('KV_wamesh_leases_relay')).toBeGreaterThan(0);
      expect((await jsm.streams.info('KV_wamesh_relay_deliveries')).config.max_msgs_per_subject).toBe(1);
      // A few feed polls later, nothing was refused.
      await sleep(1_500);
      expect(out).not.toMatch(/Permissions Violation|permissions violation|failed/i);

      // What it publishes when an endpoint refuses an entry: a dead letter.
      const nc = await login('relay', passwords['NATS_PASS_RELAY']!);
      const entry = { id: 'e1', kind: 'field', key: 'field:1', seq: 1, region: 'us-east', receivedAt: 1, committedAt: 2, event: {} };
      expect((await jetstream(nc).publish('wamesh.relaydlq.app', JSON.stringify(entry))).stream).toBe('RELAYDLQ');
      // And when it delivered or dead-lettered one: its record, for `wamesh trace`.
      await (await new Kvm(nc).open('wamesh_relay_deliveries')).put('app.ZTE', '{}');
      // The operator's `wamesh relay dlq list`, as the admin user.
      const cliEnv = { ...process.env, NATS_URLS: url, NATS_USER: 'admin', NATS_PASS: passwords['NATS_PASS_ADMIN']!, WAMESH_HOME: dir };
      const listed = spawnSync(process.execPath, [join(ROOT, 'packages', 'cli', 'src', 'main.ts'), 'relay', 'dlq', 'list', '--json'], { env: cliEnv, encoding: 'utf8' });
      expect(listed.status, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject({ total: 1, endpoints: ['app'], deadLetters: [{ entryId: 'e1', endpoint: 'app' }] });
    } finally {
      relay.kill('SIGTERM');
    }
  });

  it('permissions (live) - consumer pulls, acks, writes dead letters and leases, and cannot inject input', async () => {
    const nc = await login(`consumer-${region}`, passwords[`NATS_PASS_CONSUMER_${R}`]!);
    const seen = errors(nc);
    const js = jetstream(nc);
    const consumer = await js.consumers.get(`WA_${R}`, 'shard-0');
    const batch = await consumer.fetch({ max_messages: 10, expires: 2_000 });
    const got: string[] = [];
    for await (const m of batch) {
      got.push(m.string());
      await m.ackAck();
    }
    expect(got).toContain('e1');
    expect((await js.publish(`wadlq.${region}.0`, 'd')).stream).toBe(`WADLQ_${R}`);

    const kv = await new Kvm(js).open(`wamesh_leases_${region}`);
    const rev = await kv.create('check.0', 'me');
    expect(await kv.update('check.0', 'me', rev)).toBeGreaterThan(rev);
    expect((await kv.get('check.0'))?.string()).toBe('me');
    const watch = await kv.watch({ key: 'check.*' });
    for await (const e of watch) {
      expect(e.key).toBe('check.0');
      break;
    }

    // The lease protocol of a replica (heartbeat, watch, claim, renew, release) as this user.
    const leases = createShardLeases({
      nc,
      region,
      shards: 16,
      ttlMs: 10_000,
      memberId: 'perm-check',
      logger: silentLogger,
      onAcquire: () => {},
      onRelease: async () => {},
    });
    await leases.start();
    await expect.poll(() => leases.owned(), { timeout: 10_000 }).toHaveLength(16);
    await leases.stop();
    expect(leases.owned()).toEqual([]);

    nc.publish(`wa.${region}.msg.0`, 'forged');
    await nc.flush();
    await expect(jetstreamManager(nc).then((m) => m.streams.delete(`WA_${R}`))).rejects.toThrow();
    await sleep(200);
    expect(seen.join('\n')).toMatch(/Permissions Violation for Publish to "wa\.us-east\.msg\.0"/i);
  });
});
