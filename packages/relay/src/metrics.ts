import { Counter, Gauge, Histogram, type Metrics } from '@wamesh/telemetry';
import type { Relay } from './relay.ts';
import type { RelayObserver } from './worker.ts';

/** The relay's series on the service's registry, fed through the relay's observer. */
export function relayMetrics(metrics: Metrics, relay: () => Relay | undefined): RelayObserver {
  const registers = [metrics.registry];
  const latency = new Histogram({
    name: 'wamesh_relay_commit_to_ack_seconds',
    help: 'From the store commit of an entry to the 2xx of its endpoint',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const attempts = new Counter({ name: 'wamesh_relay_attempts_total', help: 'Delivery attempts by result (ok, retry, final)', labelNames: ['endpoint', 'result'], registers });
  const finished = new Counter({
    name: 'wamesh_relay_entries_total',
    help: 'Entries done with, by how (delivered, dead-lettered, skipped)',
    labelNames: ['endpoint', 'how'],
    registers,
  });
  const invalid = new Counter({ name: 'wamesh_relay_invalid_records_total', help: 'Undecodable feed records passed over', labelNames: ['endpoint'], registers });
  new Gauge({
    name: 'wamesh_relay_backlog',
    help: 'Entries read and not yet delivered, per endpoint',
    labelNames: ['endpoint'],
    registers,
    collect() {
      this.reset();
      for (const b of relay()?.backlog() ?? []) this.set({ endpoint: b.endpoint }, b.entries);
    },
  });
  new Gauge({
    name: 'wamesh_relay_oldest_undelivered_seconds',
    help: 'Age (since commit) of the oldest undelivered entry, per endpoint',
    labelNames: ['endpoint'],
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const b of relay()?.backlog() ?? []) this.set({ endpoint: b.endpoint }, b.oldestCommittedAt === undefined ? 0 : (now - b.oldestCommittedAt) / 1000);
    },
  });
  new Gauge({
    name: 'wamesh_relay_circuit_open',
    help: '1 while the endpoint circuit is open',
    labelNames: ['endpoint'],
    registers,
    collect() {
      this.reset();
      for (const endpoint of relay()?.openCircuits() ?? []) this.set({ endpoint }, 1);
    },
  });
  return {
    attempted(endpoint, _item, outcome) {
      attempts.inc({ endpoint, result: outcome.result });
    },
    finished(endpoint, item, how) {
      finished.inc({ endpoint, how });
      if (how === 'delivered') latency.observe({ endpoint }, Math.max(0, Date.now() - item.entry.committedAt) / 1000);
    },
    invalid(endpoint) {
      invalid.inc({ endpoint });
    },
  };
}
