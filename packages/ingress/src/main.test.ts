// main.ts as a real process: env errors stop start-up naming the variable; SIGTERM lets
// in-flight requests finish their publishes, drains NATS and exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureTopology, regionTopology } from '@wamesh/bus';
import { signBody } from '@wamesh/core';
import { freePorts } from '@wamesh/nats-harness';
import { natsTest } from '@wamesh/nats-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookBody } from './testing.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('main - start-up and shutdown', () => {
  it('a bad variable stops start-up with a message naming it', async () => {
    const p = start({ WAMESH_REGION: 'eu-west', WA_VERIFY_TOKEN: 't', WAMESH_SHARDS: 'many' });
    expect(await p.exited).toBe(1);
    expect(p.err()).toContain('WAMESH_SHARDS');
    expect(p.err()).toContain('WA_APP_SECRETS');
  });

  natsTest('SIGTERM finishes in-flight requests and their publishes, drains NATS and exits 0', async ({ nats, nc, jsm }) => {
    const region = 'sigterm';
    await ensureTopology(nc, regionTopology({ region, shards: 16, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 }));
    const [port] = await freePorts(1);
    const p = start({
      WAMESH_REGION: region,
      NATS_URLS: nats.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      WA_APP_SECRETS: 'main-secret',
      WA_VERIFY_TOKEN: 'main-token',
      LOG_LEVEL: 'debug', // 'webhook stored' for a plain 200 is a debug line
    });
    const base = `http://127.0.0.1:${port}`;
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { message: 'readyz' }).toBe(200);

    // Freeze NATS so the next requests are stuck waiting for their PubAcks, then SIGTERM.
    const server = nats.servers[0]!;
    await server.pause();
    const bodies = Array.from({ length: 8 }, (_, i) => webhookBody(`main${i}`, 1, 1));
    const inflight = bodies.map((body) =>
      fetch(`${base}/webhook`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, 'main-secret') },
      }).then((r) => r.status),
    );
    // Give the requests time to reach their handlers (they then wait on the frozen server).
    await sleep(500);
    p.child.kill('SIGTERM');
    await sleep(300);
    server.resume();

    expect(await Promise.all(inflight)).toEqual(bodies.map(() => 200));
    expect(await p.exited).toBe(0);
    // The requests really were in flight: stored after shutdown began, before the end.
    const out = p.out();
    expect(out.indexOf('ingress stopping')).toBeGreaterThan(-1);
    expect(out.indexOf('webhook stored')).toBeGreaterThan(out.indexOf('ingress stopping'));
    expect(out.lastIndexOf('webhook stored')).toBeLessThan(out.indexOf('ingress stopped'));
    // Every answered event is stored.
    expect((await jsm.streams.info('WA_SIGTERM')).state.messages).toBe(16);
    // Nothing listens any more.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
