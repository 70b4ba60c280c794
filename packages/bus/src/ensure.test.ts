import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { startServer } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import { regionTopology } from './topology.ts';
import type { RegionTopologyOptions } from './types.ts';

const nats = useNats(() => startServer());

const opts = (region: string, extra: Partial<RegionTopologyOptions> = {}): RegionTopologyOptions => ({
  region,
  shards: 3,
  replicas: 1,
  duplicateWindowMs: 60_000,
  maxAgeMs: 3_600_000,
  ...extra,
});

describe('ensure - topology', () => {
  it('creates every resource, then reports all of them unchanged', async () => {
    const nc = await nats().connect();
    const first = await ensureTopology(nc, regionTopology(opts('c1')));
    expect(first.created).toEqual([
      'stream WA_C1',
      'stream WADLQ_C1',
      'stream WAFIELD_C1',
      'stream WAQUAR_C1',
      'consumer WA_C1/shard-0',
      'consumer WA_C1/shard-1',
      'consumer WA_C1/shard-2',
      'consumer WAFIELD_C1/fields',
      'kv wamesh_leases_c1',
    ]);
    expect(first.updated).toEqual([]);

    const second = await ensureTopology(nc, regionTopology(opts('c1')));
    expect(second).toEqual({ created: [], updated: [], unchanged: first.created, drift: [] });
  });

  it('updates what changed in place and nothing else', async () => {
    const nc = await nats().connect();
    await ensureTopology(nc, regionTopology(opts('u1')));
    const changed = regionTopology(opts('u1', { maxAgeMs: 7_200_000, ackWaitMs: 20_000, leaseTtlMs: 5_000 }));
    const report = await ensureTopology(nc, changed);
    expect(report.updated).toEqual([
      'stream WA_U1',
      'stream WAFIELD_U1',
      'consumer WA_U1/shard-0',
      'consumer WA_U1/shard-1',
      'consumer WA_U1/shard-2',
      'consumer WAFIELD_U1/fields',
      'kv wamesh_leases_u1',
    ]);
    // Dead letters keep no age limit, and the quarantine its own (30 days): unchanged.
    expect(report.unchanged).toEqual(['stream WADLQ_U1', 'stream WAQUAR_U1']);
    expect(report.drift).toEqual([]);

    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('WA_U1')).config.max_age).toBe(7_200_000 * 1e6);
    expect((await jsm.consumers.info('WA_U1', 'shard-1')).config.ack_wait).toBe(20_000 * 1e6);
    expect((await jsm.streams.info('KV_wamesh_leases_u1')).config.max_age).toBe(5_000 * 1e6);
    expect((await ensureTopology(nc, changed)).updated).toEqual([]);
  });

  it('reports fields that cannot change in place as drift and leaves them', async () => {
    const nc = await nats().connect();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'WA_D1', subjects: ['wa.d1.*.*'], storage: StorageType.Memory, max_age: 1e12 });
    await jsm.consumers.add('WA_D1', { durable_name: 'shard-0', filter_subject: 'wa.d1.*.0', ack_policy: AckPolicy.All });

    const report = await ensureTopology(nc, regionTopology(opts('d1')));
    expect(report.drift).toEqual([
      { resource: 'stream WA_D1', field: 'storage', want: 'file', have: 'memory' },
      { resource: 'consumer WA_D1/shard-0', field: 'ack_policy', want: 'explicit', have: 'all' },
    ]);
    // The mutable differences were still applied.
    expect(report.updated).toContain('stream WA_D1');
    const info = await jsm.streams.info('WA_D1');
    expect(info.config.storage).toBe('memory');
    expect(info.config.max_age).toBe(3_600_000 * 1e6);
  });

  it('routes both kinds of a shard to its consumer and keeps dead letters and field events out of the input', async () => {
    const nc = await nats().connect();
    await ensureTopology(nc, regionTopology(opts('r1')));
    const js = jetstream(nc);
    await js.publish('wa.r1.msg.1', '{}');
    await js.publish('wa.r1.status.1', '{}');
    await js.publish('wa.r1.status.2', '{}');
    expect((await js.publish('wafield.r1.account_update', '{}')).stream).toBe('WAFIELD_R1');
    expect((await js.publish('wadlq.r1.1', '{}')).stream).toBe('WADLQ_R1');

    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info('WA_R1')).state.messages).toBe(3);
    const pending = async (shard: number) => (await jsm.consumers.info('WA_R1', `shard-${shard}`)).num_pending;
    expect([await pending(0), await pending(1), await pending(2)]).toEqual([0, 2, 1]);
  });
});
