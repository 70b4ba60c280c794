import { describe, expect, it } from 'vitest';
import { TopologyError } from './errors.ts';
import { regionTopology } from './topology.ts';

const base = { region: 'eu-west', shards: 4, replicas: 3, duplicateWindowMs: 120_000, maxAgeMs: 7 * 86_400_000 };

describe('topology - region', () => {
  it('describes input, dead-letter, field and quarantine streams placed in the region cluster', () => {
    const t = regionTopology({ ...base, cluster: 'eu-west' });
    expect(t.streams.map((s) => [s.name, s.config.subjects])).toEqual([
      ['WA_EU_WEST', ['wa.eu-west.*.*']],
      ['WADLQ_EU_WEST', ['wadlq.eu-west.>']],
      ['WAFIELD_EU_WEST', ['wafield.eu-west.*']],
      ['WAQUAR_EU_WEST', ['waquar.eu-west']],
    ]);
    for (const s of t.streams) {
      // A full quarantine refuses (503, Meta retries) instead of dropping the oldest authentic body.
      const discard = s.name === 'WAQUAR_EU_WEST' ? 'new' : 'old';
      expect(s.config).toMatchObject({ storage: 'file', num_replicas: 3, discard, placement: { cluster: 'eu-west' } });
      expect(s.config.duplicate_window).toBe(120_000 * 1e6);
    }
    expect(t.streams[0]!.config.max_age).toBe(7 * 86_400_000 * 1e6);
    expect(t.streams[1]!.config.max_age).toBe(0);
  });

  it('has one explicit-ack pull consumer per shard, unlimited deliveries', () => {
    const t = regionTopology(base);
    expect(t.consumers.map((c) => [c.stream, c.name, c.config.filter_subject])).toEqual([
      ['WA_EU_WEST', 'shard-0', 'wa.eu-west.*.0'],
      ['WA_EU_WEST', 'shard-1', 'wa.eu-west.*.1'],
      ['WA_EU_WEST', 'shard-2', 'wa.eu-west.*.2'],
      ['WA_EU_WEST', 'shard-3', 'wa.eu-west.*.3'],
      ['WAFIELD_EU_WEST', 'fields', 'wafield.eu-west.*'],
    ]);
    for (const c of t.consumers) {
      // Ack wait = the default lease TTL (10 s): a dead owner's events come back as its shards move.
      expect(c.config).toMatchObject({ ack_policy: 'explicit', max_deliver: -1, ack_wait: 10e9 });
      expect(c.config.deliver_subject).toBeUndefined();
    }
    expect(t.streams[0]!.config.placement).toBeUndefined();
  });

  it('aligns the shard consumers\' ack wait with the lease TTL unless one is given', () => {
    const ackWaits = (t: ReturnType<typeof regionTopology>) => new Set(t.consumers.map((c) => c.config.ack_wait));
    expect(ackWaits(regionTopology({ ...base, leaseTtlMs: 2_000 }))).toEqual(new Set([2e9]));
    expect(ackWaits(regionTopology({ ...base, leaseTtlMs: 2_000, ackWaitMs: 7_000 }))).toEqual(new Set([7e9]));
  });

  it('has a lease bucket with a bucket-level TTL', () => {
    const t = regionTopology({ ...base, leaseTtlMs: 5_000, cluster: 'eu-west' });
    expect(t.kv).toEqual([
      { bucket: 'wamesh_leases_eu-west', history: 1, ttlMs: 5_000, replicas: 3, storage: 'file', placement: { cluster: 'eu-west', tags: [] } },
    ]);
  });

  it('refuses impossible options', () => {
    expect(() => regionTopology({ ...base, shards: 0 })).toThrow(TopologyError);
    expect(() => regionTopology({ ...base, duplicateWindowMs: 10, maxAgeMs: 5 })).toThrow(/exceeds max age/);
    expect(() => regionTopology({ ...base, region: 'a.b' })).toThrow(/region/);
  });
});
