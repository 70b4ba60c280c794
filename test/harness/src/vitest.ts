import { afterAll, beforeAll } from 'vitest';
import type { NatsMesh } from './mesh.ts';

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
