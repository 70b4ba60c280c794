// A lease member in a process of its own, so a test can SIGKILL it like a crashed replica.
// Usage: node lease-member.ts <nats-url> <region> <shards> <ttl-ms> <member-id>
// Prints one JSON line per event: {"event":"acquire"|"release","shard":n} and {"event":"ready"}.
import { connect } from '@nats-io/transport-node';
import { createShardLeases } from '../leases.ts';
import { silentLogger } from '../logger.ts';

const [url, region, shards, ttl, id] = process.argv.slice(2);
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const nc = await connect({ servers: url! });
const leases = createShardLeases({
  nc,
  region: region!,
  shards: Number(shards),
  ttlMs: Number(ttl),
  memberId: id!,
  logger: silentLogger,
  onAcquire: (shard) => say({ event: 'acquire', shard }),
  onRelease: async (shard, reason) => {
    say({ event: 'release', shard, reason });
  },
});
await leases.start();
say({ event: 'ready' });
process.on('SIGTERM', () => {
  void leases
    .stop()
    .then(() => nc.close())
    .then(() => process.exit(0));
});
