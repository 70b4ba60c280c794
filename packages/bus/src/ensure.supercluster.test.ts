import { jetstreamManager } from '@nats-io/jetstream';
import { startSuperCluster } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { describe, expect, it } from 'vitest';
import { ensureTopology } from './ensure.ts';
import { createPublisher } from './publisher.ts';
import { sampleEnvelopes } from './testing.ts';
import { regionTopology } from './topology.ts';

const REGIONS = ['eu', 'us'];
const nats = useNats(() => startSuperCluster({ regions: REGIONS }));

describe('ensure - super-cluster', () => {
  it("places each region's streams and lease bucket in that region's cluster", async () => {
    // One provisioning connection (in eu) sets up every region.
    const nc = await nats().connect({ servers: nats().regions['eu']! });
    const topologies = REGIONS.map((region) =>
      regionTopology({ region, cluster: region, shards: 2, replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 }),
    );
    const report = await ensureTopology(nc, topologies);
    // Per region: 4 streams (input, dead letters, fields, quarantine), 2 shard consumers and
    // the fields consumer, the lease bucket.
    expect(report.created).toHaveLength(2 * (4 + 3 + 1));
    expect(report.drift).toEqual([]);

    const jsm = await jetstreamManager(nc);
    for (const region of REGIONS) {
      const R = region.toUpperCase();
      for (const stream of [`WA_${R}`, `WADLQ_${R}`, `WAFIELD_${R}`, `WAQUAR_${R}`, `KV_wamesh_leases_${region}`]) {
        const info = await jsm.streams.info(stream);
        expect({ stream, cluster: info.cluster?.name, leader: info.cluster?.leader }).toEqual({
          stream,
          cluster: region,
          leader: `${region}-0`,
        });
      }
      expect((await jsm.consumers.info(`WA_${R}`, 'shard-1')).cluster?.name).toBe(region);
    }
    expect((await ensureTopology(nc, topologies)).unchanged).toHaveLength(2 * (4 + 3 + 1));

    // An ingress in us publishes into its own region's stream.
    const usNc = await nats().connect({ servers: nats().regions['us']! });
    const report2 = await createPublisher(usNc, { timeoutMs: 5_000 }).publish(sampleEnvelopes('us', 2));
    expect(report2).toEqual({ published: 4, duplicates: 0 });
    expect((await jsm.streams.info('WA_US')).state.messages).toBe(4);
  });
});
