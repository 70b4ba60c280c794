// The relay: every configured endpoint on every partition of the keys this replica holds a
// lease on. Replicas share partitions through the bus's lease protocol (one owner per
// partition, takeover within 2 × TTL); a partition's endpoints start when its lease is
// acquired and stop (attempts settled, cursor saved) before it is released.
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { type BusLogger, createShardLeases, type ShardLeases } from '@wamesh/bus';
import { createDeadLetters } from './dead-letters.ts';
import { createDeliveryRecorder, type DeliveryRecorder } from './delivery-records.ts';
import { kvCursorStore } from './cursor.ts';
import type { EndpointConfig } from './endpoint.ts';
import type { FeedSource } from './feed-source.ts';
import { RELAY_BUCKET, RELAY_LEASE_GROUP } from './topology.ts';
import { createEndpointWorker, type EndpointWorker, type RelayObserver } from './worker.ts';

export interface RelayDeps {
  nc: NatsConnection;
  source: FeedSource;
  endpoints: EndpointConfig[];
  partitions: number;
  leaseTtlMs: number;
  logger: BusLogger;
  observer?: RelayObserver;
  memberId?: string;
  /** Each entry's final outcome per endpoint, for `wamesh trace` (default true; the bench compares without). */
  recordDeliveries?: boolean;
  /** Worker tuning (tests). */
  saveEveryMs?: number;
  decisionPollMs?: number;
  maxBuffered?: number;
}

export interface Relay {
  start(): Promise<void>;
  /** Settles attempts in flight, saves cursors, releases the leases. */
  stop(): Promise<void>;
  /** Stops without saving or releasing anything, like a crash (tests). */
  abandon(): Promise<void>;
  /** Partitions this replica delivers. */
  owned(): number[];
  backlog(): { endpoint: string; entries: number; oldestCommittedAt?: number }[];
  openCircuits(): string[];
}

export function buildRelay(deps: RelayDeps): Relay {
  const { nc, logger } = deps;
  const workers = new Map<number, EndpointWorker[]>();
  let leases: ShardLeases | undefined;
  let records: DeliveryRecorder | undefined;

  return {
    async start() {
      const kv = await new Kvm(nc).open(RELAY_BUCKET);
      const cursors = kvCursorStore(kv);
      const deadLetters = createDeadLetters(nc, kv);
      if (deps.recordDeliveries !== false) records = createDeliveryRecorder(nc, logger);
      leases = createShardLeases({
        nc,
        region: RELAY_LEASE_GROUP,
        shards: deps.partitions,
        ttlMs: deps.leaseTtlMs,
        logger,
        ...(deps.memberId ? { memberId: deps.memberId } : {}),
        onAcquire(partition) {
          const started = deps.endpoints.map((endpoint) =>
            createEndpointWorker({ ...deps, endpoint, partition, cursors, deadLetters, records }),
          );
          workers.set(partition, started);
          for (const w of started) w.start();
        },
        async onRelease(partition) {
          const stopping = workers.get(partition) ?? [];
          workers.delete(partition);
          await Promise.all(stopping.map((w) => w.stop()));
        },
      });
      await leases.start();
    },
    async stop() {
      await leases?.stop();
      // The workers have settled: every outcome they will record is queued.
      await records?.close();
    },
    async abandon() {
      await leases?.abandon();
      await Promise.all([...workers.values()].flat().map((w) => w.abandon()));
      workers.clear();
      records?.drop();
    },
    owned: () => leases?.owned() ?? [],
    backlog() {
      return deps.endpoints.map((ep, i) => {
        let entries = 0;
        let oldest: number | undefined;
        for (const ws of workers.values()) {
          const b = ws[i]!.backlog();
          entries += b.entries;
          if (b.oldestCommittedAt !== undefined && (oldest === undefined || b.oldestCommittedAt < oldest)) oldest = b.oldestCommittedAt;
        }
        return oldest === undefined ? { endpoint: ep.name, entries } : { endpoint: ep.name, entries, oldestCommittedAt: oldest };
      });
    },
    openCircuits: () => deps.endpoints.filter((_, i) => [...workers.values()].some((ws) => ws[i]!.circuitOpen())).map((ep) => ep.name),
  };
}
