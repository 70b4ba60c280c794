// The benchmark's table: per target the median of its rounds (min–max of the rate beside it),
// and ratios taken within each round, then their median: the machine's noise moves the
// targets of one round together, so a ratio is steadier than either rate.
import { availableParallelism, loadavg } from 'node:os';
import type { Sample } from './measure.ts';
import { median } from './stats.ts';

export interface Target {
  key: string;
  title: string;
  samples: Sample[];
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

export function printTable(targets: Target[]): void {
  const head = ['run', 'req/s (median, range)', 'events/s', 'p50 ms', 'p99 ms', 'CPU µs/event: target', 'nats', 'load', 'target cores'];
  const rows = targets
    .filter((t) => t.samples.length > 0)
    .map((t) => {
      const m = (f: (s: Sample) => number, d = 0) => fmt(median(t.samples.map(f)), d);
      const rps = t.samples.map((s) => s.rps);
      return [t.title, `${fmt(median(rps))} (${range(rps)})`, m((s) => s.eps), m((s) => s.p50, 2), m((s) => s.p99, 2), m((s) => s.cpu), m((s) => s.natsCpu), m((s) => s.loadCpu), m((s) => (s.cpu * s.eps) / 1e6, 2)];
    });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

/** Median over rounds of (top events/s ÷ bottom events/s), with its range; undefined if either is missing. */
export function ratio(top: Target | undefined, bottom: Target | undefined): string | undefined {
  if (!top?.samples.length || !bottom?.samples.length) return undefined;
  const n = Math.min(top.samples.length, bottom.samples.length);
  const rs = Array.from({ length: n }, (_, i) => top.samples[i]!.eps / bottom.samples[i]!.eps);
  return `${fmt(median(rs), 2)} (rounds: ${rs.map((r) => fmt(r, 2)).join(', ')})`;
}

export function medianOf(target: Target, f: (s: Sample) => number): number {
  return median(target.samples.map(f));
}

export function machineLine(): string {
  return `load average after the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`;
}
