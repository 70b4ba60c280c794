import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, test } from 'vitest';
import { type NatsMesh, startServer } from './mesh.ts';

/**
 * Starts a mesh before the suite and stops it after, also when tests fail:
 *
 *   const nats = useNats(() => startServer());
 *   it('…', async () => { const nc = await nats().connect(); … });
 *
 * Connections made with `nats().connect()` are closed by the teardown too.
 */
export function useNats<M extends NatsMesh>(start: () => Promise<M>): () => M {
  let mesh: M | undefined;
  beforeAll(async () => {
    mesh = await start();
  });
  afterAll(async () => {
    await mesh?.stop();
  });
  return () => {
    if (!mesh) throw new Error('the NATS mesh is not started (use it inside tests or hooks)');
    return mesh;
  };
}

/**
 * A fixture that starts a mesh for the file's first test that asks for it and stops it
 * (and every connection made through it) after the file's last test.
 */
export function meshFixture<M extends NatsMesh>(start: () => Promise<M>) {
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern (none here)
  return async ({}: object, { onCleanup }: { onCleanup(fn: () => Promise<void>): void }): Promise<M> => {
    const mesh = await start();
    onCleanup(() => mesh.stop());
    return mesh;
  };
}

/**
 * A test with the file's NATS set-up as fixtures: `nats` (one nats-server per file),
 * `nc` (one connection to it per file) and `jsm` (its JetStream manager). Tests share them
 * and isolate themselves by region, stream or bucket name:
 *
 *   natsTest('…', async ({ nc, jsm }) => { … });
 *
 * Another mesh: `natsTest.override('nats', { scope: 'file' }, meshFixture(() => startCluster(…)))`.
 */
export const natsTest = test
  .extend('nats', { scope: 'file' }, meshFixture(() => startServer()))
  .extend('nc', { scope: 'file' }, ({ nats }): Promise<NatsConnection> => nats.connect())
  .extend('jsm', { scope: 'file' }, ({ nc }): Promise<JetStreamManager> => jetstreamManager(nc));
