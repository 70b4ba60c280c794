import { jetstreamManager } from '@nats-io/jetstream';
import { startSuperCluster } from '@wamesh/nats-harness';
import { useNats } from '@wamesh/nats-harness/vitest';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.ts';
import { captureIo } from '../testing.ts';

const nats = useNats(() => startSuperCluster({ regions: ['r1', 'r2'] }));

describe('provision', () => {
  it('provision - places each region in its own cluster, and a second run changes nothing', async () => {
    const args = ['provision', '--nats', nats().url, '--regions', 'r1,r2', '--shards', '2', '--json'];
    const first = captureIo();
    expect(await runCli(args, first), first.stderr.join('\n')).toBe(0);
    const report = JSON.parse(first.stdout.join('\n'));
    expect(report.placement).toEqual({ r1: 'r1', r2: 'r2' });
    expect(report.created).toEqual(expect.arrayContaining(['stream WA_R1', 'stream WA_R2']));
    expect(report.drift).toEqual([]);

    const jsm = await jetstreamManager(await nats().connect());
    expect((await jsm.streams.info('WA_R1')).cluster?.name).toBe('r1');
    expect((await jsm.streams.info('WA_R2')).cluster?.name).toBe('r2');
    expect((await jsm.consumers.info('WA_R2', 'shard-1')).config.filter_subject).toBe('wa.r2.*.1');

    const second = captureIo();
    expect(await runCli(args, second)).toBe(0);
    const again = JSON.parse(second.stdout.join('\n'));
    expect(again.created).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.unchanged.length).toBe(report.created.length);
  });

  it('provision - quarantine limits from --quarantine-max-age and --quarantine-max-bytes', async () => {
    const io = captureIo();
    const args = ['provision', '--nats', nats().url, '--region', 'r1', '--shards', '2', '--quarantine-max-age', '2d', '--quarantine-max-bytes', '64MiB', '--json'];
    expect(await runCli(args, io), io.stderr.join('\n')).toBe(0);
    expect(JSON.parse(io.stdout.join('\n')).updated).toContain('stream WAQUAR_R1');
    const { config } = await (await jetstreamManager(await nats().connect())).streams.info('WAQUAR_R1');
    expect({ maxAge: config.max_age, maxBytes: config.max_bytes }).toEqual({ maxAge: 2 * 86_400 * 1e9, maxBytes: 64 * 1024 ** 2 });
  });

  it('provision - says where NATS is missing instead of hanging', async () => {
    const io = captureIo();
    const code = await runCli(['provision', '--nats', 'nats://127.0.0.1:1', '--region', 'r1'], io);
    expect(code).toBe(4);
    expect(io.stderr.join('\n')).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
