// The relay as deployed (main.ts, a process of its own) over a real nats-server, delivering to
// a verifying receiver: SIGKILLed mid-stream and restarted, and two replicas sharing the
// feed's partitions with one SIGKILLed. Every entry arrives at least once, per key in order,
// and a repeat (only what was in flight or after the last saved cursor) carries the same id.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { leaseBucketName } from '@wamesh/bus';
import { natsTest } from '@wamesh/nats-harness/vitest';
import { describe, expect } from 'vitest';
import { createFeed, feedEntry, LEASE_TTL_MS, Receiver, SECRET } from './testkit.ts';
import { RELAY_LEASE_GROUP } from './topology.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
const PER_KEY = 25;

function spawnRelay(natsUrl: string, feed: { stream: string; subject: string }, url: string, endpoint: string): ChildProcess {
  const env = {
    PATH: process.env.PATH ?? '',
    NATS_URLS: natsUrl,
    RELAY_ENDPOINTS: JSON.stringify([{ name: endpoint, url, secrets: [SECRET], retryInitialMs: 20, retryMaxMs: 200, timeoutMs: 2_000 }]),
    RELAY_FEED: 'kv',
    RELAY_FEED_STREAM: feed.stream,
    RELAY_FEED_SUBJECT: feed.subject,
    RELAY_PARTITIONS: '4',
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  return spawn(process.execPath, [MAIN], { env, stdio: 'ignore' });
}

function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

/** Every key's deliveries: each entry at least once, in seq order per run from where it resumed; repeats keep their id. */
function expectAllInOrder(r: Receiver, perKey: number): void {
  const got = r.accepted();
  expect(new Set(got.map((e) => e.id)).size).toBe(KEYS.length * perKey);
  for (const key of KEYS) {
    const seqs = got.filter((e) => e.key === key).map((e) => e.seq);
    // After a crash a key may start again at its last saved position: each run climbs by one.
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! <= seqs[i - 1]!) continue;
      expect(seqs[i], `${key}: ${seqs.join(',')}`).toBe(seqs[i - 1]! + 1);
    }
    expect(Math.max(...seqs)).toBe(perKey);
  }
  const byId = new Map<string, string>();
  for (const e of got) {
    const held = byId.get(e.id);
    if (held) expect(`${e.key}/${e.seq}`).toBe(held);
    byId.set(e.id, `${e.key}/${e.seq}`);
  }
  expect(r.overlaps).toEqual([]);
  expect(r.rejectedSignatures).toEqual([]);
}

describe('relay - as a process', () => {
  natsTest('SIGKILLed mid-stream and restarted: nothing lost, per-key order kept, repeats with the same id', async ({ nats, nc }) => {
    const feed = await createFeed(nc);
    const r = await new Receiver().start();
    const procs: ChildProcess[] = [];
    try {
      r.answer = () => ({ status: 200, delayMs: 10 });
      await feed.publish(...Array.from({ length: PER_KEY }, (_, i) => KEYS.map((k) => feedEntry(k, i + 1))).flat());
      procs.push(spawnRelay(nats.urls[0]!, feed, r.url, 'proc-a'));
      await expect.poll(() => r.accepted().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(40);
      await kill(procs[0]!);
      const before = r.accepted().length;
      expect(before).toBeLessThan(KEYS.length * PER_KEY);
      procs.push(spawnRelay(nats.urls[0]!, feed, r.url, 'proc-a'));
      await expect.poll(() => new Set(r.accepted().map((e) => e.id)).size, { timeout: 30_000 }).toBe(KEYS.length * PER_KEY);
      expectAllInOrder(r, PER_KEY);
    } finally {
      await Promise.all(procs.map(kill));
      await r.stop();
    }
  });

  natsTest('two replicas share the partitions; one SIGKILLed, the other takes its keys over within 2 x the lease TTL', async ({ nats, nc }) => {
    const feed = await createFeed(nc);
    const r = await new Receiver().start();
    const [a, b] = [spawnRelay(nats.urls[0]!, feed, r.url, 'proc-b'), spawnRelay(nats.urls[0]!, feed, r.url, 'proc-b')];
    try {
      r.answer = () => ({ status: 200, delayMs: 10 });
      await feed.publish(...Array.from({ length: PER_KEY }, (_, i) => KEYS.map((k) => feedEntry(k, i + 1))).flat());
      await expect.poll(() => r.accepted().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(30);
      // Both replicas hold partitions (fair share: 2 of 4 each), so the one killed had keys.
      const leases = await new Kvm(nc).open(leaseBucketName(RELAY_LEASE_GROUP));
      const owners = async () => {
        const held = new Map<string, string>();
        for await (const k of await leases.keys('shard.*')) {
          const e = await leases.get(k);
          if (e?.operation === 'PUT') held.set(k, e.json<{ owner: string }>().owner);
        }
        return new Set(held.values()).size;
      };
      await expect.poll(owners, { timeout: 10_000 }).toBe(2);
      await kill(a);
      const killedAt = Date.now();
      // Entries published after the kill, of every key: some belong to the dead replica's partitions.
      await feed.publish(...KEYS.map((k) => feedEntry(k, PER_KEY + 1)));
      const all = KEYS.length * (PER_KEY + 1);
      await expect.poll(() => new Set(r.accepted().map((e) => e.id)).size, { timeout: 30_000 }).toBe(all);
      const last = Math.max(...r.deliveries.filter((d) => d.entry.seq === PER_KEY + 1).map((d) => d.at));
      // The dead one's leases lapse after one TTL; its keys move and the new entries come out.
      expect(last - killedAt).toBeLessThan(2 * LEASE_TTL_MS + 2_000);
      expectAllInOrder(r, PER_KEY + 1);
    } finally {
      await Promise.all([kill(a), kill(b)]);
      await r.stop();
    }
  });
});
