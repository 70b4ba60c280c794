// `wamesh trace` with the relay's deliveries: the kv store's own log rows (appended by the
// store, as the consumer does) are the change feed a real relay reads and POSTs to a real
// HTTP receiver; the trace then shows each row's feed entry with what each endpoint got.
import type { EventLogEntry, Outcome, StatusName } from '@wamesh/core';
import { logEntryOf, webhookEvents } from '@wamesh/core';
import { natsTest } from '@wamesh/nats-harness/vitest';
import type { DeliveryRecord } from '@wamesh/relay';
import { bucketNames, KvStore, eventRowsSubject } from '@wamesh/store';
import { describe, expect } from 'vitest';
import { Receiver, startRelay } from '../../../relay/src/testkit.ts';
import { runCli } from '../cli.ts';
import { captureIo } from '../testing.ts';
import type { TraceReport } from '../view/trace.ts';

const WAMID = 'wamid.HBgLtrace';
const T = 1_760_000_000;
const FEED = { stream: `KV_${bucketNames('wamesh').events}`, subject: eventRowsSubject('wamesh') };

/** The log row of `wamid`'s status as the consumer would append it; seq undefined: a duplicate. */
function statusRow(status: StatusName, ts: number, seq: number | undefined): EventLogEntry {
  const outcome: Outcome = seq === undefined ? 'duplicate' : 'applied';
  const [event] = webhookEvents([{ wabaId: '2000', changes: [{ phoneNumberId: '1000', statuses: [{ id: WAMID, status, timestamp: ts, recipientId: '4917' }] }] }], 4);
  return logEntryOf({ event: event!, meta: { region: 'eu-west', receivedAt: Date.now() } }, { outcome, seq, document: { wamid: WAMID, status } }, Date.now());
}

const test = natsTest
  .extend('store', { scope: 'file' }, async ({ nc }) => {
    const store = new KvStore({ nc });
    await store.init();
    return store;
  })
  .extend('trace', { scope: 'file' }, async ({ nats }) => {
    return async (...args: string[]) => {
      const io = captureIo();
      // WAMESH_HOME elsewhere: a developer's running dev mesh must not be picked up.
      const code = await runCli(['trace', WAMID, ...args, '--nats', nats.url, '--home', '/nonexistent/wamesh-home'], io);
      return { code, out: io.stdout, err: io.stderr.join('\n'), json: (): TraceReport => JSON.parse(io.stdout.join('\n')) };
    };
  });

const sent = statusRow('sent', T + 1, 1);
const sentAgain = statusRow('sent', T + 2, undefined);
const read = statusRow('read', T + 3, 2);
const readAgain = statusRow('read', T + 4, 3);

describe('trace - relay deliveries', () => {
  // First: no relay has run on the file's server, so there is no deliveries bucket.
  test('trace - without a relay the rows are as they were: no deliveries', async ({ store, trace }) => {
    await store.appendLog([sent, sentAgain]);
    const res = await trace('--json');
    expect(res.code, res.err).toBe(0);
    expect(res.json().events.map((e) => [e.eventId, 'deliveries' in e])).toEqual([
      [sent.eventId, false],
      [sentAgain.eventId, false],
    ]);
    expect((await trace()).out.join('\n')).not.toContain('->');
  });

  test('trace - each feed entry with its deliveries: a 500 then a 200, a 400 dead letter, one still waiting; none for a duplicate', async ({ nc, store, trace }) => {
    await store.appendLog([read, readAgain]);
    const receiver = await new Receiver().start();
    // The sent: 500 first, then 200. The read: refused, so the message's key blocks behind it.
    receiver.answer = (e, nth) => ({ status: e.id === read.eventId ? 400 : e.id === sent.eventId && nth === 1 ? 500 : 200 });
    const { relay } = await startRelay(nc, FEED, { url: receiver.url }, 'app');
    try {
      await expect.poll(async () => (await trace('--json')).json().events.find((e) => e.eventId === read.eventId)?.deliveries?.length, { timeout: 10_000 }).toBe(1);
      const res = await trace('--json');
      expect(res.code, res.err).toBe(0);
      const byId = new Map(res.json().events.map((e) => [e.eventId, e.deliveries]));
      expect(byId.get(sent.eventId)).toEqual([expect.objectContaining({ endpoint: 'app', outcome: 'delivered', attempts: 2, status: 200, latencyMs: expect.any(Number) })]);
      expect(byId.get(read.eventId)).toEqual([expect.objectContaining({ endpoint: 'app', outcome: 'dead-lettered', attempts: 1, status: 400, reason: 'http 400' })]);
      // Behind the dead letter: a feed entry with no delivery yet; a duplicate made no entry at all.
      expect(byId.get(readAgain.eventId)).toEqual([]);
      expect([...byId].find(([id]) => id === sentAgain.eventId)).toEqual([sentAgain.eventId, undefined]);

      const lines = (await trace()).out;
      const under = (row: EventLogEntry) => lines[lines.findIndex((l) => l.includes(`#${row.seq}`)) + 1];
      const sentLatency = (byId.get(sent.eventId)![0] as DeliveryRecord & { latencyMs: number }).latencyMs;
      expect(under(sent)).toBe(`     -> app delivered 200 after 2 attempts, ${Math.round(sentLatency)} ms`);
      expect(under(read)).toBe('     -> app dead-lettered 400 after 1 attempt: http 400');
      expect(under(readAgain)).toBe('     -> no delivery recorded (not yet, or filtered out by every endpoint)');
      // A duplicate's row is followed by the next row, not by a delivery line.
      expect(lines[lines.findIndex((l) => l.includes('duplicate')) + 1]).not.toContain('->');
    } finally {
      await relay.stop();
      await receiver.stop();
    }
  }, 30_000);
});
