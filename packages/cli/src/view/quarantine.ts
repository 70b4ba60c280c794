import type { QuarantineView } from '../quarantine/items.ts';
import type { QuarantineTally, RegionQuarantineReplay } from '../quarantine/replay.ts';
import { pad, type Style, table } from './style.ts';

export interface QuarantineListing {
  region: string;
  stream: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Listed here: the first `--limit` of `count`. */
  bodies: QuarantineView[];
}

/** Parts shown per body in text; --json has them all. */
const PARTS_SHOWN = 5;
const REASON_CHARS = 120;
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const when = (iso: string | null) => (iso === null ? '-' : iso.replace('T', ' ').slice(0, 19));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatQuarantineListing(listings: QuarantineListing[], style: Style): string[] {
  const out: string[] = [];
  for (const l of listings) {
    const head = `${style.bold(l.region)}  ${l.stream}: ${l.count ? style.yellow(plural(l.count, 'quarantined body', 'quarantined bodies')) : style.green('empty')}`;
    out.push(l.bodies.length < l.count ? `${head} (first ${l.bodies.length} shown)` : head);
    if (l.bodies.length === 0) continue;
    const rows = l.bodies.map((b) => [String(b.seq), when(b.receivedAt), b.region ?? '-', b.traceId ?? '-', `${b.bytes} B`, String(b.count)]);
    table(['seq', 'received (UTC)', 'region', 'trace id', 'size', 'parts'], rows, style).forEach((line, i) => {
      out.push(`  ${line}`);
      const b = l.bodies[i - 1];
      if (!b) return;
      for (const p of b.parts.slice(0, PARTS_SHOWN)) out.push(style.dim(`      ${p.path}: ${short(p.reason, REASON_CHARS)}`));
      const more = b.count - Math.min(b.parts.length, PARTS_SHOWN);
      if (more > 0) out.push(style.dim(`      … ${plural(more, 'more part')} (--json lists ${b.parts.length})`));
    });
  }
  if (listings.some((l) => l.count)) out.push(style.dim('after an upgrade, replay with: pnpm wamesh quarantine replay [--region R] [--seq N ...]'));
  return out;
}

const ACTION_LABEL: Record<string, string> = {
  replayed: 'replayed',
  requarantined: 're-quarantined',
  unchanged: 'unchanged',
  failed: 'failed',
  'not-found': 'not found',
};

export function sumQuarantineTallies(tallies: QuarantineTally[]): QuarantineTally {
  const sum: QuarantineTally = { replayed: 0, requarantined: 0, unchanged: 0, failed: 0, notFound: 0, remaining: 0 };
  for (const t of tallies) for (const k of Object.keys(sum) as (keyof QuarantineTally)[]) sum[k] += t[k];
  return sum;
}

export function formatQuarantineReplay(regions: RegionQuarantineReplay[], style: Style): string[] {
  const out: string[] = [];
  for (const r of regions) {
    out.push(`${style.bold(r.region)}  ${r.stream} (split over ${r.shards} shards)`);
    const width = Math.max(0, ...r.items.map((it) => ACTION_LABEL[it.action]!.length));
    for (const it of r.items) {
      const label = pad(ACTION_LABEL[it.action]!, width);
      const coloured = it.action === 'failed' || it.action === 'not-found' ? style.red(label) : label;
      const published = it.events || it.fields ? `  published ${plural(it.events, 'event')}, ${plural(it.fields, 'field event')}` : '';
      const dup = it.duplicates ? ` (${it.duplicates} already stored)` : '';
      out.push(`  ${coloured}  seq ${it.seq}${published}${dup}`);
      if (it.action === 'requarantined' || it.action === 'unchanged') {
        for (const p of it.rejected.slice(0, PARTS_SHOWN)) out.push(style.dim(`      still fails: ${p.path}: ${short(p.reason, REASON_CHARS)}`));
        if (it.rejected.length > PARTS_SHOWN) out.push(style.dim(`      … ${plural(it.rejected.length - PARTS_SHOWN, 'more part')}`));
      }
      if (it.reason) out.push(style.dim(`      ${it.reason}`));
    }
    if (r.stoppedBy) out.push(style.red(`  stopped: the rest of ${r.stream} was not attempted`));
  }
  const t = sumQuarantineTallies(regions.map((r) => r.tally));
  const bad = (n: number, s: string) => (n ? style.red(s) : s);
  out.push(
    `replayed ${t.replayed}, re-quarantined ${t.requarantined}, unchanged ${t.unchanged}, ${bad(t.failed, `failed ${t.failed}`)}` +
      (t.notFound ? `, ${style.red(`not found ${t.notFound}`)}` : '') +
      `; left in quarantine: ${t.remaining}`,
  );
  return out;
}
