// `wamesh dev` as a user runs it: a subprocess with its own nats-servers and services, fed
// by `wamesh simulate`, read by `wamesh trace`/`status`, and stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildWebhook, signBody } from '@wamesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.ts';
import { isListening, isPortFree } from '../ports.ts';
import { type DevState, stateFile } from '../state.ts';
import { captureIo } from '../testing.ts';

const MAIN = join(import.meta.dirname, '..', 'main.ts');
const REGIONS = ['r1', 'r2', 'r3'];

/** Every port `wamesh dev --port-base base` claims for the regions, and the relay's (see dev/plan.ts). */
const portsOf = (base: number): number[] => [
  ...[0, 10, 100, 2100, 3100, 4100].flatMap((off) => REGIONS.map((_, i) => base + off + i)),
  base + 20,
];

/**
 * A base whose every port is free and below the kernel's ephemeral range (32768+), so no
 * other test's client socket or listen(0) can take one between this check and the bind.
 */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = 10_000 + Math.floor(Math.random() * 18_000);
    const free = await Promise.all(portsOf(base).map((p) => isPortFree(p)));
    if (free.every(Boolean)) return base;
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function wamesh(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wamesh ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const pidAlive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

describe('wamesh dev refuses to start', () => {
  it('dev - refuses when a port it needs is taken, naming the port and what it was for', async () => {
    const base = await freeBase();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(base + 101, '127.0.0.1', () => r()));
    const home = mkdtempSync(join(tmpdir(), 'wamesh-dev-'));
    try {
      const run = await wamesh(['dev', '--regions', REGIONS.join(','), '--port-base', String(base), '--home', home]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`${base + 101}  nats r2 (clients)`);
      expect(run.stderr).toMatch(/--port-base/);
      expect(run.stdout).not.toContain('ready');
      expect(existsSync(join(home, 'nats'))).toBe(false);
    } finally {
      squatter.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('dev - refuses without nats-server and says how to install it', async () => {
    const run = await wamesh(['dev', '--home', join(tmpdir(), 'wamesh-none')], { NATS_SERVER_BIN: '/nonexistent/nats-server' });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/nats-server not found/);
    expect(run.stderr).toMatch(/make tools/);
    expect(run.stderr).toMatch(/apt-get install nats-server/);
  });
});

describe('wamesh dev, simulate, trace', () => {
  const relaySecret = 'whsec_ZGV2LXRlc3QtcmVsYXktc2VjcmV0';
  let receiver: ChildProcess;
  let received = '';
  let receiverUrl: string;
  let home: string;
  let base: number;
  let dev: ChildProcess;
  let devOut = '';
  let devErr = '';
  let exited: Promise<number | null>;
  let state: DevState;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'wamesh-dev-'));
    base = await freeBase();
    // The example receiver the dev relay delivers to, on a free port.
    receiver = spawn(process.execPath, [MAIN, 'receive', '--port', '0', '--secret', relaySecret], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    receiver.stdout?.on('data', (d) => (received += d));
    receiverUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      receiver.stderr?.on('data', (d) => {
        err += d;
        const m = /listening on (\S+);/.exec(err);
        if (m) resolve(m[1]!);
      });
      receiver.once('exit', (code) => reject(new Error(`wamesh receive exited ${code}: ${err}`)));
    });
    dev = spawn(
      process.execPath,
      [
        MAIN,
        'dev',
        '--regions',
        REGIONS.join(','),
        '--shards',
        '4',
        '--port-base',
        String(base),
        '--home',
        home,
        '--app-secret',
        'test-secret',
        '--relay-endpoint',
        receiverUrl,
        '--relay-secret',
        relaySecret,
      ],
      // The default store (kv) even where MONGODB_URI is set (CI sets it for the Mongo suites).
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', MONGODB_URI: undefined } },
    );
    exited = new Promise((r) => dev.once('exit', (code) => r(code)));
    dev.stderr?.on('data', (d) => (devErr += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev not ready:\n${devOut}\n${devErr}`)), 55_000);
      dev.stdout?.on('data', (d) => {
        devOut += d;
        if (devOut.split('\n').includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`dev exited ${code}:\n${devOut}\n${devErr}`)));
    });
    state = JSON.parse(readFileSync(stateFile(home), 'utf8'));
  }, 60_000);

  afterAll(async () => {
    if (dev.exitCode === null && dev.signalCode === null) {
      dev.kill('SIGTERM');
      await exited;
    }
    receiver?.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  });

  it('dev - prints one ingress line per region, then ready, and writes the state file', () => {
    expect(devOut.trim().split('\n')).toEqual([...REGIONS.map((r, i) => `ingress ${r} http://127.0.0.1:${base + i}/webhook`), 'ready']);
    expect(state.regions.map((r) => r.region)).toEqual(REGIONS);
    expect(state.store).toBe('kv');
    expect(state.appSecret).toBe('test-secret');
    const names = state.processes.map((p) => p.name);
    for (const r of REGIONS) expect(names).toEqual(expect.arrayContaining([`nats ${r}`, `ingress ${r}`, `consumer ${r}`]));
    expect(names).toContain('relay');
    // How to run the receiver the relay delivers to.
    const port = new URL(receiverUrl).port;
    expect(devErr).toContain(`relay   dev-1 -> ${receiverUrl} (run: pnpm exec wamesh receive --port ${port} --secret ${relaySecret})`);
  });

  it('simulate - a few seconds of inverted, duplicated traffic end with 0 mismatches', async () => {
    const run = await wamesh(
      ['simulate', '--home', home, '--duration', '4s', '--rate', '40', '--conversations', '8', '--duplicate-rate', '0.1', '--seed', '1234', '--json'],
      {},
      90_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const tally = JSON.parse(run.stdout);
    expect(tally.mismatches).toBe(0);
    expect(tally.missingFromLog).toBe(0);
    expect(tally.failed).toBe(0);
    expect(tally.drained).toBe(true);
    expect(tally.accepted).toBe(tally.posts);
    expect(tally.duplicatesSent).toBeGreaterThan(0);
    expect(tally.stale).toBeGreaterThan(0);
    expect(tally.messagesChecked).toBeGreaterThan(20);
  });

  it('trace and status --json - statuses sent to three regions in inverted order converge; the late delivered is stale, beaten by the read', async () => {
    const wamid = `wamid.TRACE${Date.now()}`;
    const at = Math.floor(Date.now() / 1000) - 60;
    const pricing = { billable: true, pricing_model: 'CBP', category: 'service' };
    const post = async (region: number, status: string, timestamp: number) => {
      const spec = { id: wamid, status, timestamp, recipientId: '15550009', ...(status === 'delivered' ? { pricing } : {}) };
      const body = JSON.stringify(buildWebhook([{ wabaId: 'waba1', changes: [{ phoneNumberId: '1065', statuses: [spec] }] }]));
      const res = await fetch(state.regions[region]!.ingressUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, 'test-secret') },
        body,
      });
      expect(res.status).toBe(200);
    };
    await post(0, 'sent', at);
    await post(1, 'read', at + 5);
    await waitFor(async () => (await traceJson(home, wamid)).events.length === 2);
    await post(2, 'delivered', at + 2); // late, through a third region

    await waitFor(async () => (await traceJson(home, wamid)).events.length === 3);
    const trace = await traceJson(home, wamid);
    const byStatus = Object.fromEntries(trace.events.map((e: { status: string }) => [e.status, e]));
    expect(trace.inversions).toBe(1);
    expect(byStatus.sent).toMatchObject({ outcome: 'applied', region: 'r1' });
    expect(byStatus.read).toMatchObject({ outcome: 'applied', region: 'r2' });
    expect(byStatus.delivered).toMatchObject({
      outcome: 'stale',
      region: 'r3',
      timestamp: at + 2,
      beatenBy: { eventId: byStatus.read.eventId, region: 'r2', bySeconds: 3 },
    });
    // Timeline order is WhatsApp time.
    expect(trace.events.map((e: { status: string }) => e.status)).toEqual(['sent', 'delivered', 'read']);

    const io = captureIo();
    expect(await runCli(['status', wamid, '--json', '--home', home], io)).toBe(0);
    const doc = JSON.parse(io.stdout.join('\n'));
    expect(doc.status).toBe('read');
    expect(doc.statusAt).toEqual({ sent: at, delivered: at + 2, read: at + 5 });
    // Pricing came only with the late delivered: merged, not dropped.
    expect(doc.pricing).toEqual(pricing);

    const human = captureIo();
    expect(await runCli(['trace', wamid, '--home', home], human)).toBe(0);
    expect(human.stdout.find((l) => l.startsWith('!!'))).toMatch(/delivered\s+r3/);

    // The mesh's relay delivered the message's changes, signed, to `wamesh receive`: in
    // commit order, numbered per key; the late delivered merged its pricing, advanced nothing.
    const lines = () => received.split('\n').filter((l) => l.includes(`key=msg:${wamid} `));
    await waitFor(async () => lines().length === 3);
    expect(lines().map((l) => /^(\S+) .* seq=(\d+) .* region=(\S+)/.exec(l)!.slice(1))).toEqual([
      ['status.advanced', '1', 'r1'],
      ['status.advanced', '2', 'r2'],
      ['status.merged', '3', 'r3'],
    ]);
  });

  it('dev - SIGTERM stops everything: no process and no listening port is left', async () => {
    const pids = state.processes.map((p) => p.pid).filter((p) => p > 0);
    // wamesh dev, the mesh host, per region nats + ingress + consumer, and the relay.
    expect(pids.length).toBe(2 + 3 * REGIONS.length + 1);
    expect(pids.every(pidAlive)).toBe(true);
    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pids.filter(pidAlive)).toEqual([]);
    const listening = [];
    for (const port of portsOf(base)) if (await isListening(port)) listening.push(port);
    expect(listening).toEqual([]);
    expect(existsSync(stateFile(home))).toBe(false);
  });
});

describe('wamesh dev without its parent', () => {
  it('dev - killed with SIGKILL, it still leaves no child behind (the host notices and stops them)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'wamesh-dev-'));
    const base = await freeBase();
    const dev = spawn(process.execPath, [MAIN, 'dev', '--regions', 'r1', '--shards', '2', '--port-base', String(base), '--home', home], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      dev.stderr?.on('data', (d) => (out += d));
      await new Promise<void>((resolve, reject) => {
        dev.stdout?.on('data', (d) => {
          out += d;
          if (out.split('\n').includes('ready')) resolve();
        });
        dev.once('exit', (code) => reject(new Error(`dev exited ${code}: ${out}`)));
      });
      const state: DevState = JSON.parse(readFileSync(stateFile(home), 'utf8'));
      const pids = state.processes.map((p) => p.pid);
      dev.kill('SIGKILL');
      await waitFor(async () => pids.filter(pidAlive).length === 0, 20_000);
      for (const port of [base, base + 10, base + 20, base + 100]) expect(await isListening(port)).toBe(false);
      expect(existsSync(stateFile(home))).toBe(false);
    } finally {
      dev.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

async function traceJson(home: string, key: string) {
  const io = captureIo();
  await runCli(['trace', key, '--json', '--home', home], io);
  return JSON.parse(io.stdout.join('\n'));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(200);
  }
}
