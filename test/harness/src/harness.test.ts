import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { planMesh, renderServerConfig } from './config.ts';
import { startCluster, startServer, startSuperCluster, waitForJetStream } from './mesh.ts';
import { useNats } from './vitest.ts';

describe('harness - config', () => {
  it('gives a one-server region of a super-cluster a cluster block routing to itself', async () => {
    const specs = await planMesh({
      clusters: [
        { name: 'eu', size: 1 },
        { name: 'us', size: 1 },
      ],
      gateways: true,
      dataDir: '/data/mesh',
      basePort: 14222,
    });
    expect(specs.map((s) => [s.name, s.port, s.httpPort])).toEqual([
      ['eu-0', 14222, 18222],
      ['us-0', 14223, 18223],
    ]);
    const eu = renderServerConfig(specs[0]!);
    expect(eu).toContain('store_dir: "/data/mesh/eu-0/jetstream"');
    expect(eu).toContain('cluster {\n  name: "eu"\n  listen: "127.0.0.1:16222"\n  routes: ["nats://127.0.0.1:16222"]');
    expect(eu).toContain('gateway {\n  name: "eu"\n  listen: "127.0.0.1:17222"');
    expect(eu).toContain('{ name: "us", urls: ["nats://127.0.0.1:17223"] }');
    expect(eu).not.toContain('name: "eu", urls');
  });

  it('leaves a lone server unclustered', async () => {
    const [spec] = await planMesh({ clusters: [{ name: 'solo', size: 1 }], gateways: false, dataDir: '/d' });
    expect(renderServerConfig(spec!)).not.toMatch(/cluster|gateway/);
  });
});

describe('harness - single server', () => {
  const nats = useNats(() => startServer());

  it('restarts a killed server on the same port with its JetStream data', async () => {
    const nc = await nats().connect();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) await js.publish('keep.x', `m${i}`);

    const server = nats().servers[0]!;
    await server.kill();
    expect(server.running).toBe(false);
    await server.restart();

    // The same connection reconnects to the restarted server.
    await waitForJetStream(nc);
    const info = await jsm.streams.info('KEEP');
    expect(info.state.messages).toBe(3);
    await js.publish('keep.x', 'after');
    expect((await jsm.streams.info('KEEP')).state.messages).toBe(4);
  });

  it('fails clearly, leaving nothing behind, when a fixed port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'wamesh-harness-test-'));
    try {
      await expect(startServer({ basePort: port, dataDir })).rejects.toThrow(/address already in use/);
      expect(existsSync(join(dataDir, 'nats-0'))).toBe(false);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('removes its temp dir on stop', async () => {
    const mesh = await startServer();
    expect(existsSync(mesh.dataDir)).toBe(true);
    await mesh.stop();
    expect(existsSync(mesh.dataDir)).toBe(false);
  });
});

describe('harness - cluster', () => {
  const nats = useNats(() => startCluster({ name: 'c1', size: 3 }));

  it('forms a three-node JetStream cluster that keeps a stream on all three', async () => {
    expect(nats().regions['c1']).toHaveLength(3);
    const jsm = await jetstreamManager(await nats().connect());
    const info = await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
    expect(info.cluster?.name).toBe('c1');
    expect(info.cluster?.leader).toBeTruthy();
    expect(info.cluster?.replicas).toHaveLength(2);
  });

  it('keeps serving with one node killed, and takes the node back after its restart', async () => {
    const admin = await jetstreamManager(await nats().connect());
    const { cluster } = await admin.streams.add({ name: 'R3K', subjects: ['r3k.>'], num_replicas: 3 });
    // A follower of both the stream and the meta group (no election timing in this test),
    // and a client on another node (nats.js drops what it sends while disconnected).
    const jsz = await nats().servers[0]!.monitor('/jsz');
    const metaLeader = (jsz?.['meta_cluster'] as { leader?: string } | undefined)?.leader;
    const victim = nats().servers.find((s) => s.name !== cluster?.leader && s.name !== metaLeader)!;
    const nc = await nats().connect({ servers: nats().urls.filter((u) => u !== victim.url) });
    const jsm = await jetstreamManager(nc);

    await victim.kill();
    await jetstream(nc).publish('r3k.a', 'while one is down');
    await victim.restart();
    await nats().waitReady();
    const replicas = (await jsm.streams.info('R3K')).cluster?.replicas ?? [];
    expect(replicas.map((r) => r.offline ?? false)).toEqual([false, false]);
  });
});

describe('harness - super-cluster', () => {
  const nats = useNats(() => startSuperCluster({ regions: ['eu', 'us'] }));

  it('places a stream in the chosen region and reaches it through the gateway', async () => {
    expect(Object.keys(nats().regions)).toEqual(['eu', 'us']);
    // Connected to eu only; the stream lives in us.
    const nc = await nats().connect({ servers: nats().regions['eu']! });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name: 'IN_US', subjects: ['us.>'], placement: { cluster: 'us', tags: [] } });
    expect(info.cluster?.name).toBe('us');
    expect(info.cluster?.leader).toBe('us-0');
    // The new stream's interest crosses the gateway asynchronously: allow a few retries.
    const ack = await jetstream(nc).publish('us.hello', 'hi', { retries: 20 });
    expect(ack.stream).toBe('IN_US');
  });
});
