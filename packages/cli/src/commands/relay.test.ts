// `wamesh relay dlq`: a real relay delivers a feed to a real HTTP receiver that refuses
// some entries with 400; `list` shows them, `replay` (once the receiver takes them)
// delivers the entry and unblocks its key in order, `skip` moves the key past it, and a
// decision no relay takes stays pending and listed.
import { natsTest } from '@wamesh/nats-harness/vitest';
import { RELAY_DLQ_STREAM } from '@wamesh/relay';
import { describe, expect } from 'vitest';
import { createFeed, feedEntry, Receiver, startRelay } from '../../../relay/src/testkit.ts';
import { runCli } from '../cli.ts';
import type { DecisionResult, ListedRelayDeadLetter } from '../relay-dlq/letters.ts';
import { captureIo } from '../testing.ts';

const test = natsTest.extend('cli', { scope: 'file' }, async ({ nats }) => {
  return async (...args: string[]) => {
    const io = captureIo();
    // WAMESH_HOME elsewhere: a developer's running dev mesh must not be picked up.
    const code = await runCli(['relay', 'dlq', ...args, '--nats', nats.url, '--home', '/nonexistent/wamesh-home'], io);
    return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), json: () => JSON.parse(io.stdout.join('\n')) };
  };
});

describe('relay dlq', () => {
  // First: before any relay ran on the file's server.
  test('relay dlq - no RELAYDLQ yet is said plainly; seqs are required; NATS down exits 4', async ({ cli }) => {
    const none = await cli('list');
    expect(none.code).toBe(5);
    expect(none.err).toMatch(/no stream RELAYDLQ on this NATS: has a relay run here\?/);
    expect((await cli('replay')).code).toBe(2);
    expect((await cli('skip', 'x')).code).toBe(2);
    const down = captureIo();
    expect(await runCli(['relay', 'dlq', 'list', '--nats', 'nats://127.0.0.1:1', '--home', '/nonexistent/wamesh-home'], down)).toBe(4);
  });

  test('relay dlq - a 400 is listed; replay after the fix delivers it and unblocks its key; skip moves a key on; an untaken decision stays pending', async ({ nc, jsm, cli }) => {
    const feed = await createFeed(nc);
    const receiver = await new Receiver().start();
    const other = await new Receiver().start();
    const stops: (() => Promise<void>)[] = [async () => receiver.stop(), async () => other.stop()];
    try {
      const fixMe = feedEntry('conv:1000:fix', 1, { kind: 'message.received' });
      const giveUp = feedEntry('conv:1000:skip', 1, { kind: 'message.received' });
      const refused = new Set([fixMe.id, giveUp.id]);
      receiver.answer = (e) => ({ status: refused.has(e.id) ? 400 : 200 });
      await feed.publish(fixMe, feedEntry('conv:1000:ok', 1), giveUp, feedEntry('conv:1000:fix', 2), feedEntry('conv:1000:ok', 2), feedEntry('conv:1000:skip', 2));
      const { relay, name } = await startRelay(nc, feed, { url: receiver.url });
      stops.unshift(() => relay.stop());

      // The other keys go by; the refused ones were tried once and wait in the dead letters.
      await expect.poll(() => receiver.byKey().get('conv:1000:ok')).toEqual([1, 2]);
      await expect
        .poll(async () => ((await cli('list', '--endpoint', name, '--json')).json().deadLetters as ListedRelayDeadLetter[]).map((d) => d.entryId))
        .toEqual([fixMe.id, giveUp.id]);
      const listed = (await cli('list', '--json')).json();
      const letters: ListedRelayDeadLetter[] = listed.deadLetters;
      expect(listed.endpoints).toEqual([name]);
      expect(letters[0]).toMatchObject({ endpoint: name, kind: 'message.received', key: 'conv:1000:fix', feedSeq: 1, region: 'eu', attempts: 1, reason: 'http 400', pending: null });
      const [fixSeq, skipSeq] = letters.map((d) => d.seq) as [number, number];
      const text = await cli('list');
      expect(text.code).toBe(0);
      expect(text.out).toMatch(new RegExp(`${name} +2 dead letters`));
      expect(text.out).toMatch(new RegExp(`${fixSeq} +message\\.received +conv:1000:fix +#1 +eu +1`));
      expect(text.out).toContain(`${fixMe.id}: http 400`);
      expect(receiver.byKey().get('conv:1000:fix')).toBeUndefined();

      // The receiver is fixed for one of them: replay delivers it, then the key's next entry.
      refused.delete(fixMe.id);
      const replay = await cli('replay', String(fixSeq), '--json');
      expect(replay.code, replay.err).toBe(0);
      expect(replay.json().results).toEqual([{ seq: fixSeq, action: 'replayed', endpoint: name, entryId: fixMe.id, key: 'conv:1000:fix' }]);
      await expect.poll(() => receiver.byKey().get('conv:1000:fix')).toEqual([1, 2]);
      expect(receiver.deliveries.filter((d) => d.entry.id === fixMe.id).map((d) => d.status)).toEqual([400, 200]);

      // The other is given up: its key moves on without it.
      const skip = await cli('skip', String(skipSeq));
      expect(skip.code, skip.err).toBe(0);
      expect(skip.out).toMatch(new RegExp(`skipped +seq ${skipSeq} +${name} +conv:1000:skip`));
      await expect.poll(() => receiver.byKey().get('conv:1000:skip')).toEqual([2]);
      expect(receiver.overlaps).toEqual([]);

      // Taken decisions delete their dead letters.
      expect((await cli('list', '--json')).json()).toMatchObject({ total: 0, endpoints: [] });
      expect((await cli('list')).out).toBe('no dead letters');
      expect(await jsm.streams.getMessage(RELAY_DLQ_STREAM, { seq: fixSeq })).toBeNull();

      // A second endpoint's dead letter, and no relay running to act on a decision. Relays
      // share the feed's partitions through leases: the first steps down first.
      await relay.stop();
      other.answer = () => ({ status: 422 });
      const loneFeed = await createFeed(nc);
      await loneFeed.publish(feedEntry('conv:1000:lone', 1));
      const second = await startRelay(nc, loneFeed, { url: other.url });
      await expect.poll(async () => (await cli('list', '--endpoint', second.name, '--json')).json().total).toBe(1);
      await second.relay.stop();
      const loneSeq = (await cli('list', '--endpoint', second.name, '--json')).json().deadLetters[0].seq;

      // --endpoint keeps to that endpoint's dead letters; an unknown seq is not found.
      const wrong = await cli('skip', String(loneSeq), '--endpoint', name);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toMatch(new RegExp(`not found +seq ${loneSeq}`));
      const pending = await cli('replay', String(loneSeq), '999999', '--wait', '300ms', '--json');
      expect(pending.code).toBe(1);
      expect((pending.json().results as DecisionResult[]).map((r) => [r.seq, r.action])).toEqual([
        [loneSeq, 'pending'],
        [999999, 'not-found'],
      ]);
      const still = (await cli('list', '--json')).json();
      expect(still.deadLetters).toEqual([expect.objectContaining({ seq: loneSeq, endpoint: second.name, pending: 'replay', reason: 'http 422' })]);
      expect((await cli('list')).out).toMatch(/replay pending/);
    } finally {
      for (const stop of stops) await stop();
    }
  }, 60_000);
});

