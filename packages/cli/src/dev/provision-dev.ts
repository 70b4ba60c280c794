import { silentLogger } from '@wamesh/bus';
import { connectNats } from '@wamesh/bus';
import { createStore } from '@wamesh/store';
import { DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_AGE_MS, provisionRegions } from '../provision.ts';
import { type DevConfig, superCluster } from './plan.ts';

/**
 * Every region's topology, each region's streams placed in its own cluster, plus the kv
 * store's buckets once (so the consumers of all regions do not race to create them).
 */
export async function provisionDev(cfg: DevConfig, urlOf: (region: string) => string): Promise<void> {
  const nc = await connectNats({ servers: [urlOf(cfg.regions[0]!)], name: 'wamesh dev provision' }, silentLogger);
  try {
    await provisionRegions(nc, {
      regions: cfg.regions,
      shards: cfg.shards,
      replicas: 1,
      // Each region's streams in its own cluster; a lone server has no cluster to name.
      clusterOf: (region) => (superCluster(cfg) ? region : undefined),
      duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
      maxAgeMs: DEFAULT_MAX_AGE_MS,
      retryForMs: 30_000,
    });
    if (cfg.store === 'kv') {
      const store = createStore({ nc });
      await store.init();
      await store.close();
    }
  } finally {
    await nc.close();
  }
}
