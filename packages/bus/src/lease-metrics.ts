// Prometheus view of shard ownership: per replica, which shards it holds, how many members
// it sees and its fair share, and a counter of every hand-over with its reason.
// `sum by (shard) (wamesh_lease_owner)` over all replicas of a region is 1 per shard at
// steady state; a 0 means an orphaned shard, a 2 a (brief, fenced) overlap.
import { Counter, Gauge, type Registry } from '@wamesh/telemetry';
import type { LeaseObserver } from './leases.ts';

export function leaseMetrics(registry: Registry, member: string): LeaseObserver {
  const registers = [registry];
  const owner = new Gauge({
    name: 'wamesh_lease_owner',
    help: 'Shards whose lease this replica holds (1) or gave up (0)',
    labelNames: ['member', 'shard'],
    registers,
  });
  const owned = new Gauge({ name: 'wamesh_lease_owned_shards', help: 'Shards this replica holds', labelNames: ['member'], registers });
  const members = new Gauge({ name: 'wamesh_lease_members', help: 'Live consumer replicas of the region seen by this one', registers });
  const share = new Gauge({ name: 'wamesh_lease_fair_share', help: 'Shards this replica should hold', registers });
  const handovers = new Counter({
    name: 'wamesh_lease_handovers_total',
    help: 'Shard lease acquisitions and releases, by reason (free, expired, rebalance, shutdown, lost)',
    labelNames: ['event', 'reason'],
    registers,
  });
  const held = new Set<number>();
  owned.set({ member }, 0);
  return {
    onAcquire(shard, how) {
      held.add(shard);
      owner.set({ member, shard: String(shard) }, 1);
      owned.set({ member }, held.size);
      handovers.inc({ event: 'acquired', reason: how });
    },
    onRelease(shard, reason) {
      held.delete(shard);
      owner.set({ member, shard: String(shard) }, 0);
      owned.set({ member }, held.size);
      handovers.inc({ event: 'released', reason });
    },
    onMembers(list, target) {
      members.set(list.length);
      share.set(target);
    },
  };
}
