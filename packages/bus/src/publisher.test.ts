import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { subjectOf } from '@wamesh/core';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import { PublishUnavailableError } from './errors.ts';
import { decodeMeta, HEADER_MSG_ID } from './headers.ts';
import { createPublisher } from './publisher.ts';
import { sampleEnvelopes } from './testing.ts';
import { regionTopology } from './topology.ts';

const nats = useNats(() => startServer());

async function region(name: string) {
  const nc = await nats().connect();
  await ensureTopology(
    nc,
    regionTopology({ region: name, shards: 16, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 }),
  );
  return { nc, jsm: await jetstreamManager(nc), publisher: createPublisher(nc, { timeoutMs: 2_000 }) };
}

describe('publisher - durable publish', () => {
  it('writes every envelope to its shard subject with id, trace and meta headers', async () => {
    const { jsm, publisher } = await region('p1');
    const batch = sampleEnvelopes('p1', 6);
    expect(await publisher.publish(batch)).toEqual({ published: 12, duplicates: 0 });

    const info = await jsm.streams.info('WA_P1');
    expect(info.state.messages).toBe(12);
    const stored = new Map<string, { subject: string; data: unknown; id: string; meta: unknown }>();
    for (let seq = 1; seq <= 12; seq++) {
      const m = await jsm.streams.getMessage('WA_P1', { seq });
      if (!m) throw new Error(`no message ${seq}`);
      const id = m.header.get(HEADER_MSG_ID);
      stored.set(id, { subject: m.subject, data: m.json(), id, meta: decodeMeta(m.header) });
    }
    for (const { event, meta } of batch) {
      expect(stored.get(event.id)).toEqual({
        subject: subjectOf('p1', event.kind, event.shard),
        data: event,
        id: event.id,
        meta,
      });
    }
  });

  it('counts a re-sent batch as duplicates and stores nothing new', async () => {
    const { jsm, publisher } = await region('p2');
    const batch = sampleEnvelopes('p2', 5);
    await publisher.publish(batch);
    expect(await publisher.publish(batch)).toEqual({ published: 0, duplicates: 10 });
    const mixed = [...batch.slice(0, 4), ...sampleEnvelopes('p2', 2, 16, 'b')];
    expect(await publisher.publish(mixed)).toEqual({ published: 4, duplicates: 4 });
    expect((await jsm.streams.info('WA_P2')).state.messages).toBe(14);
  });

  it('fails with PublishUnavailableError when no stream takes the region', async () => {
    const nc = await nats().connect();
    const publisher = createPublisher(nc, { timeoutMs: 2_000 });
    const err = await publisher.publish(sampleEnvelopes('nowhere', 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishUnavailableError);
    expect(err).toMatchObject({ code: 'E_PUBLISH_UNAVAILABLE', reason: 'no_responders' });
  });

  it('fails with PublishUnavailableError when the stream is full', async () => {
    const nc = await nats().connect();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'WA_FULL', subjects: ['wa.full.*.*'], max_msgs: 1, discard: DiscardPolicy.New });
    const publisher = createPublisher(nc, { timeoutMs: 2_000 });
    const err = await publisher.publish(sampleEnvelopes('full', 2)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PublishUnavailableError', reason: 'storage' });
    expect((await jsm.streams.info('WA_FULL')).state.messages).toBe(1);
  });

  it('resolves an empty batch without touching NATS', async () => {
    const { publisher } = await region('p3');
    expect(await publisher.publish([])).toEqual({ published: 0, duplicates: 0 });
  });
});
