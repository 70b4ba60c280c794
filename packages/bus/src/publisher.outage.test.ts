import type { NatsConnection } from '@nats-io/nats-core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connection.ts';
import { ensureTopology } from './ensure.ts';
import { PublishUnavailableError } from './errors.ts';
import type { BusLogger } from './logger.ts';
import { createPublisher } from './publisher.ts';
import { sampleEnvelopes } from './testing.ts';
import { regionTopology } from './topology.ts';
import type { Publisher } from './types.ts';

const TIMEOUT_MS = 1_500;
// Timers and process signals on a busy 2-core machine: the bound is the point, not precision.
const SLACK_MS = 1_000;

const nats = useNats(() => startServer());
const lines: { level: string; msg: string | undefined }[] = [];
const logger: BusLogger = {
  debug: (_o, msg) => lines.push({ level: 'debug', msg }),
  info: (_o, msg) => lines.push({ level: 'info', msg }),
  warn: (_o, msg) => lines.push({ level: 'warn', msg }),
  error: (_o, msg) => lines.push({ level: 'error', msg }),
};
let nc: NatsConnection;
let publisher: Publisher;
let round = 0;
// Fresh event ids each time, so a success means stored, not deduplicated.
const batch = () => sampleEnvelopes('o1', 3, 16, `r${++round}`);

beforeAll(async () => {
  nc = await connectNats({ servers: nats().urls, name: 'outage-test' }, logger, {
    overrides: { reconnectTimeWait: 100, reconnectJitter: 50 },
  });
  await ensureTopology(
    nc,
    regionTopology({ region: 'o1', shards: 16, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 }),
  );
  publisher = createPublisher(nc, { timeoutMs: TIMEOUT_MS });
});

afterAll(async () => {
  await nc?.close();
});

async function timed<T>(p: Promise<T>): Promise<{ ms: number; result: T | undefined; error: unknown }> {
  const t0 = performance.now();
  try {
    const result = await p;
    return { ms: performance.now() - t0, result, error: undefined };
  } catch (error) {
    return { ms: performance.now() - t0, result: undefined, error };
  }
}

describe('publisher - outage', () => {
  it('fails within the timeout while the server is down, and publishes again after its restart', async () => {
    expect(await publisher.publish(batch())).toEqual({ published: 6, duplicates: 0 });
    const server = nats().servers[0]!;
    await server.kill();

    const down = await timed(publisher.publish(batch()));
    expect(down.error).toBeInstanceOf(PublishUnavailableError);
    expect(down.error).toMatchObject({ reason: 'disconnected' });
    expect(down.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);

    await server.restart();
    // Same connection and publisher: a publish during the reconnect waits for it.
    expect(await publisher.publish(batch())).toEqual({ published: 6, duplicates: 0 });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['nats disconnected', 'nats reconnected']));
  });

  it('times out on a hung server instead of waiting for it', async () => {
    const server = nats().servers[0]!;
    await server.pause();
    try {
      const hung = await timed(publisher.publish(batch()));
      expect(hung.error).toMatchObject({ name: 'PublishUnavailableError', code: 'E_PUBLISH_UNAVAILABLE' });
      expect(hung.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    } finally {
      server.resume();
    }
    expect(await publisher.publish(batch())).toEqual({ published: 6, duplicates: 0 });
  });

  it('settles a batch caught in flight by a crash within the timeout', async () => {
    const server = nats().servers[0]!;
    const inflight = timed(publisher.publish(sampleEnvelopes('o1', 200, 16, `big${++round}`)));
    await server.kill();
    const settled = await inflight;
    expect(settled.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    if (settled.error) {
      expect(settled.error).toBeInstanceOf(PublishUnavailableError);
      // The lost connection fails the waiting acks at once: their replies can no longer come.
      expect(settled.error).toMatchObject({ reason: 'disconnected' });
      expect(settled.ms).toBeLessThan(TIMEOUT_MS);
    }
    await server.restart();
    expect(await publisher.publish(batch())).toEqual({ published: 6, duplicates: 0 });
  });
});
