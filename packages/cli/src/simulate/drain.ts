// The consumers have drained a region when every shard consumer has nothing pending and
// nothing awaiting its ack: everything published has been written to the store.
import { jetstreamManager } from '@nats-io/jetstream';
import { sleep } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import type { Context } from '../commands/context.ts';
import { connectTo, natsConfig } from '../nats.ts';

export async function waitDrained(
  ctx: Context,
  natsUrls: string[],
  regions: string[],
  timeoutMs: number,
): Promise<{ drained: boolean; waitedMs: number; backlog: number }> {
  const start = Date.now();
  const nc = await connectTo(natsConfig(ctx.env, natsUrls, 'wamesh-simulate'));
  try {
    const jsm = await jetstreamManager(nc);
    let backlog = Number.POSITIVE_INFINITY;
    while (Date.now() - start < timeoutMs) {
      backlog = 0;
      for (const region of regions) {
        for await (const ci of jsm.consumers.list(streamNames(region).input)) {
          backlog += ci.num_pending + ci.num_ack_pending;
        }
      }
      if (backlog === 0) return { drained: true, waitedMs: Date.now() - start, backlog };
      await sleep(200);
    }
    return { drained: false, waitedMs: Date.now() - start, backlog };
  } finally {
    await nc.close().catch(() => {});
  }
}
