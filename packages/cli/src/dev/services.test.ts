import { describe, expect, it } from 'vitest';
import type { DevConfig } from './plan.ts';
import { relaySpec } from './services.ts';

const cfg: DevConfig = {
  home: '/tmp/wamesh-dev-test',
  regions: ['us-east'],
  shards: 4,
  portBase: 8080,
  appSecret: 's',
  verifyToken: 't',
  store: 'kv',
  mongoDb: 'wamesh',
  natsBin: 'nats-server',
  logLevel: 'info',
  relay: { endpoints: ['http://127.0.0.1:8070/hook', 'http://127.0.0.1:8071/hook'], secret: 'whsec_ZGV2' },
  baseEnv: {},
};

describe('dev - the relay process', () => {
  it('names the endpoints dev-1, dev-2 and gives each the hold window when one is set', () => {
    const plain = JSON.parse(relaySpec(cfg, 8100, 'nats://127.0.0.1:8180').env.RELAY_ENDPOINTS!);
    expect(plain.map((e: { name: string; holdMs?: number }) => [e.name, e.holdMs])).toEqual([
      ['dev-1', undefined],
      ['dev-2', undefined],
    ]);
    const held = JSON.parse(relaySpec({ ...cfg, relay: { ...cfg.relay, holdMs: 3_000 } }, 8100, 'nats://x').env.RELAY_ENDPOINTS!);
    expect(held.map((e: { holdMs?: number }) => e.holdMs)).toEqual([3_000, 3_000]);
  });

  it('reads the kv store’s log by default, and the mongo store’s change stream with it', () => {
    expect(relaySpec(cfg, 8100, 'nats://x').env.MONGODB_URI).toBeUndefined();
    const mongo = relaySpec({ ...cfg, store: 'mongo', mongoUri: 'mongodb://m/?replicaSet=rs0' }, 8100, 'nats://x').env;
    expect([mongo.MONGODB_URI, mongo.MONGODB_DB]).toEqual(['mongodb://m/?replicaSet=rs0', 'wamesh']);
  });
});
