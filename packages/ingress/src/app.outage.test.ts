import { setTimeout as sleep } from 'node:timers/promises';
import { waitForJetStream } from '@wamesh/nats-harness';
import { describe, expect } from 'vitest';
import { ingressTest, webhookBody } from './testing.ts';

// A long publish budget and a short grace: while NATS is known to be down, the 503 must
// come after the grace, not after the budget.
const test = ingressTest.override('ingressOptions', {
  region: 'outage',
  publishTimeoutMs: 10_000,
  disconnectedGraceMs: 300,
  now: Date.now,
});

describe('webhook - NATS outage', () => {
  test('answers 503 with Retry-After while NATS is down (never 200), and 200 again after its restart without restarting the ingress', async ({
    ingress: f,
    nats,
  }) => {
    expect((await f.post(webhookBody('before', 1, 1))).statusCode).toBe(200);
    const server = nats.servers[0]!;
    await server.kill();

    // Sent while the server is gone: each must fail promptly, none may say 200. The first
    // request finds the loss (disconnect), the later ones are refused after the grace.
    const during = Array.from({ length: 5 }, (_, i) => webhookBody(`during${i}`, 1, 2));
    await f.post(webhookBody('finds-the-loss', 1, 0));
    const started = performance.now();
    const answers = await Promise.all(during.map((b) => f.post(b)));
    // Well under the 10 s publish budget: the grace (300 ms) plus scheduling on a busy machine.
    expect(performance.now() - started).toBeLessThan(3_000);
    for (const res of answers) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.json().error.code).toBe('PUBLISH_UNAVAILABLE');
    }
    expect((await f.app.inject('/readyz')).statusCode).toBe(503);

    await server.restart();
    await waitForJetStream(f.nc);

    // Meta's retries of the refused webhooks now land, on the same ingress instance.
    const statuses: number[] = [];
    for (const body of during) {
      let res = await f.post(body);
      for (let i = 0; i < 50 && res.statusCode === 503; i++) {
        statuses.push(res.statusCode);
        await sleep(200);
        res = await f.post(body);
      }
      statuses.push(res.statusCode);
      expect(res.statusCode).toBe(200);
    }
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect((await f.app.inject('/readyz')).statusCode).toBe(200);

    // Everything answered 200 is in the stream: the first webhook and the five retried ones.
    const ids = new Set((await f.messages()).map((m) => m.header?.get('Nats-Msg-Id')));
    expect(ids.size).toBe(2 + 5 * 3);
    expect(await f.metrics.render()).toMatch(/wamesh_ingress_requests_total\{route="\/webhook",status="503",code="PUBLISH_UNAVAILABLE"[^}]*\} [1-9]/);
  });
});
