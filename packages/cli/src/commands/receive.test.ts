// `wamesh receive` as a user runs it, a child process: a real relay delivers a feed to it
// and each verified entry is one line; a tampered delivery is answered 401 and named on
// stderr; SIGTERM stops it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { webhookSigner } from '@wamesh/client';
import { natsTest } from '@wamesh/nats-harness/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createFeed, feedEntry, SECRET, startRelay } from '../../../relay/src/testkit.ts';

const MAIN = join(import.meta.dirname, '..', 'main.ts');
const running: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

/** `wamesh receive --port 0 …`, resolved once it says where it listens. */
async function receive(...args: string[]) {
  const child = spawn(process.execPath, [MAIN, 'receive', '--port', '0', ...args], { env: { ...process.env, NO_COLOR: '1' } });
  running.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await expect.poll(() => out.stderr, { timeout: 15_000 }).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/hook/);
  const url = /listening on (\S+);/.exec(out.stderr)![1]!;
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { url, out, lines: () => out.stdout.split('\n').filter(Boolean), stop };
}

/** A delivery signed as the relay signs it. */
function signed(body: string, id: string, secret = SECRET) {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': webhookSigner([secret])(id, ts, body),
  };
}

describe('wamesh receive', () => {
  natsTest('receive - prints one line per entry a real relay delivers; a tampered body gets 401; SIGTERM exits 0', async ({ nc }) => {
    const r = await receive('--secret', SECRET);
    const feed = await createFeed(nc);
    const wa = 1_760_000_000;
    const entries = [
      feedEntry('conv:1065:4915', 1, { kind: 'message.received', whatsappTime: wa + 5, region: 'us-east' }),
      feedEntry('conv:1065:4915', 2, { kind: 'message.late', whatsappTime: wa + 1, region: 'eu-west', flags: { late: true } }),
      feedEntry('field:1065', 1, { kind: 'field', whatsappTime: undefined, region: 'eu-west' }),
    ];
    await feed.publish(...entries);
    const { relay } = await startRelay(nc, feed, { url: r.url });
    try {
      await expect.poll(() => r.lines().length).toBe(3);
      // Keys go in parallel; within a key, in seq order.
      const conv = [
        'message.received  key=conv:1065:4915  seq=1  wa=2025-10-09 08:53:25Z  region=us-east  flags=-',
        'message.late      key=conv:1065:4915  seq=2  wa=2025-10-09 08:53:21Z  region=eu-west  flags=late',
      ];
      expect(r.lines().filter((l) => l.includes('key=conv:'))).toEqual(conv);
      expect(r.lines().filter((l) => !l.includes('key=conv:'))).toEqual(['field             key=field:1065  seq=1  wa=-  region=eu-west  flags=-']);
    } finally {
      await relay.stop();
    }

    const body = JSON.stringify(feedEntry('conv:1065:4915', 3));
    const id = JSON.parse(body).id;
    const tampered = await fetch(r.url, { method: 'POST', headers: signed(body, id), body: body.replace('"seq":3', '"seq":4') });
    expect(tampered.status).toBe(401);
    const wrongSecret = await fetch(r.url, { method: 'POST', headers: signed(body, id, 'whsec_c2VjcmV0LW9mLXNvbWVvbmUtZWxzZQ=='), body });
    expect(wrongSecret.status).toBe(401);
    expect((await fetch(r.url)).status).toBe(405);
    await expect.poll(() => r.out.stderr).toMatch(new RegExp(`refused 401 webhook-id ${id}: no webhook-signature matches a secret`));
    expect(r.lines()).toHaveLength(3);
    const ok = await fetch(r.url, { method: 'POST', headers: signed(body, id), body });
    expect(ok.status).toBe(200);
    await expect.poll(() => r.lines().length).toBe(4);

    expect(await r.stop()).toBe(0);
  });

  it('receive --json - one JSON line per verified entry; a bad --secret is a usage error', async () => {
    const r = await receive('--json', '--secret', SECRET);
    const entry = feedEntry('msg:wamid.1', 7, { flags: { reordered: true } });
    const body = JSON.stringify(entry);
    expect((await fetch(r.url, { method: 'POST', headers: signed(body, entry.id), body })).status).toBe(200);
    await expect.poll(() => r.lines().length).toBe(1);
    expect(JSON.parse(r.lines()[0]!)).toEqual(entry);
    expect(await r.stop()).toBe(0);

    const bad = spawn(process.execPath, [MAIN, 'receive', '--secret', 'not-a-secret']);
    let stderr = '';
    bad.stderr.on('data', (d) => (stderr += d));
    expect(await new Promise((res) => bad.once('exit', res))).toBe(2);
    expect(stderr).toMatch(/--secret.*whsec_/s);
  });
});
