// Load shedding with a publisher slowed for real: nats-server is frozen (SIGSTOP), so the
// webhooks let in wait for their PubAcks and hold every in-flight slot; the excess must be
// answered 503 + Retry-After at once, and everything answered 200 must be in the stream.
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngressFixture, startIngress, webhookBody } from './testing.ts';

const MAX_IN_FLIGHT = 4;
const PUBLISH_TIMEOUT_MS = 5_000;
const nats = useNats(() => startServer());
let f: IngressFixture;

beforeAll(async () => {
  f = await startIngress(nats(), { region: 'overload', maxInFlight: MAX_IN_FLIGHT, publishTimeoutMs: PUBLISH_TIMEOUT_MS, now: Date.now });
});
afterAll(async () => {
  nats().servers[0]?.resume();
  await f?.close();
});

const timed = async <T>(p: Promise<T>): Promise<{ value: T; ms: number }> => {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
};

describe('webhook - overload', () => {
  it('beyond MAX_IN_FLIGHT answers 503 + Retry-After at once; the accepted ones get 200 and are stored; probes are never shed', async () => {
    const server = nats().servers[0]!;
    await server.pause();
    // One event each, so the stream count says which webhooks were stored.
    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => f.post(webhookBody(`held${i}`, 1, 0)));
    // Let the held requests reach their publish before the excess arrives.
    await new Promise((r) => setTimeout(r, 200));

    const excess = await Promise.all(Array.from({ length: 10 }, (_, i) => timed(f.post(webhookBody(`excess${i}`, 1, 0)))));
    for (const { value: res, ms } of excess) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json().error.code).toBe('OVERLOADED');
      // Answered without waiting for any publish: far under the publish timeout.
      expect(ms).toBeLessThan(PUBLISH_TIMEOUT_MS / 10);
    }
    // Health and metrics stay reachable while the webhook route is saturated.
    expect((await f.app.inject('/healthz')).statusCode).toBe(200);
    expect((await f.app.inject('/metrics')).statusCode).toBe(200);

    server.resume();
    for (const res of await Promise.all(held)) expect(res.statusCode).toBe(200);
    // Slots are given back: a new webhook is accepted again.
    expect((await f.post(webhookBody('after', 1, 0))).statusCode).toBe(200);

    // Exactly the webhooks answered 200 are in the stream, none of the shed ones.
    const ids = (await f.messages()).map((m) => m.header?.get('Nats-Msg-Id'));
    expect(ids).toHaveLength(MAX_IN_FLIGHT + 1);
    expect(await f.metrics.render()).toMatch(/wamesh_ingress_requests_total\{route="\/webhook",status="503",code="OVERLOADED"[^}]*\} 10/);
    expect(f.logs.filter((l) => l['code'] === 'OVERLOADED' && l['level'] === 'warn').length).toBeGreaterThan(0);
  });
});
