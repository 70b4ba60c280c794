// Load shedding with a publisher slowed for real: nats-server is frozen (SIGSTOP), so the
// webhooks let in wait for their PubAcks and hold every in-flight slot; the excess must be
// answered 503 + Retry-After at once, and everything answered 200 must be in the stream.
// Over a real socket: the gate is the HTTP server's, which inject() does not go through.
import { setTimeout as sleep } from 'node:timers/promises';
import { signBody } from '@wamesh/core';
import { describe, expect } from 'vitest';
import { ingressTest, SECRET, webhookBody } from './testing.ts';

const MAX_IN_FLIGHT = 4;
const PUBLISH_TIMEOUT_MS = 5_000;
const test = ingressTest.override('ingressOptions', {
  region: 'overload',
  maxInFlight: MAX_IN_FLIGHT,
  publishTimeoutMs: PUBLISH_TIMEOUT_MS,
  now: Date.now,
});

async function post(base: string, body: string): Promise<{ status: number; retryAfter: string | null; code: string | undefined; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/webhook`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SECRET) },
  });
  const json = (await res.json()) as { error?: { code: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: json.error?.code, ms: performance.now() - t0 };
}

describe('webhook - overload', () => {
  test('beyond MAX_IN_FLIGHT answers 503 + Retry-After at once; the accepted ones get 200 and are stored; probes are never shed', async ({
    ingress: f,
    nats,
    onTestFinished,
  }) => {
    const base = await f.app.listen({ port: 0, host: '127.0.0.1' });
    const server = nats.servers[0]!;
    // Thawed even when an assertion fails, so the teardown can close the connection.
    onTestFinished(() => server.resume());
    await server.pause();
    // One event each, so the stream count says which webhooks were stored.
    const held = Array.from({ length: MAX_IN_FLIGHT }, (_, i) => post(base, webhookBody(`held${i}`, 1, 0)));
    // Let the held requests reach their publish before the excess arrives.
    await sleep(300);

    const excess = await Promise.all(Array.from({ length: 10 }, (_, i) => post(base, webhookBody(`excess${i}`, 1, 0))));
    for (const res of excess) {
      expect(res).toMatchObject({ status: 503, retryAfter: '1', code: 'OVERLOADED' });
      // Answered without waiting for any publish: far under the publish timeout.
      expect(res.ms).toBeLessThan(PUBLISH_TIMEOUT_MS / 10);
    }
    // Health and metrics stay reachable while the webhook route is saturated.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);

    server.resume();
    for (const res of await Promise.all(held)) expect(res.status).toBe(200);
    // Slots are given back: a new webhook is accepted again.
    expect((await post(base, webhookBody('after', 1, 0))).status).toBe(200);

    // Exactly the webhooks answered 200 are in the stream, none of the shed ones.
    expect(await f.messages()).toHaveLength(MAX_IN_FLIGHT + 1);
    expect(await f.metrics.render()).toMatch(/wamesh_ingress_requests_total\{route="\/webhook",status="503",code="OVERLOADED"[^}]*\} 10/);
    expect(f.logs.filter((l) => l['code'] === 'OVERLOADED' && l['level'] === 'warn').length).toBeGreaterThan(0);
  });
});
