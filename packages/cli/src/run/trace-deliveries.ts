// The relay's delivery records of a trace's feed entries, from the relay's bucket on NATS:
// through the kv store's own connection, or (mongo store) one made for them when the target
// names NATS servers. No bucket means no relay runs on this mesh: the trace stays as it was.
import type { NatsConnection } from '@nats-io/nats-core';
import { type DeliveryRecord, readDeliveryRecords } from '@wamesh/relay';
import type { Context } from '../commands/context.ts';
import { connectTo, natsConfig } from '../nats.ts';
import type { Target } from '../target.ts';

export async function deliveriesOf(
  ctx: Context,
  target: Target,
  storeNc: NatsConnection | undefined,
  entryIds: string[],
): Promise<Map<string, DeliveryRecord[]> | undefined> {
  if (entryIds.length === 0) return undefined;
  if (storeNc) return readDeliveryRecords(storeNc, entryIds);
  if (target.natsUrls.length === 0) return undefined;
  let nc: NatsConnection;
  try {
    nc = await connectTo(natsConfig(ctx.env, target.natsUrls, 'wamesh-cli'));
  } catch (err) {
    // The store answered: its trace is still worth printing without the deliveries.
    ctx.io.err(`wamesh trace: relay deliveries not shown: ${(err as Error).message}`);
    return undefined;
  }
  try {
    return await readDeliveryRecords(nc, entryIds);
  } finally {
    await nc.close().catch(() => {});
  }
}
