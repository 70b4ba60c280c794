import type { DeadLetterView } from '../dlq/letters.ts';
import type { RegionReplay, ReplayTally } from '../dlq/replay.ts';
import { pad, type Style, table } from './style.ts';

/** A dead letter as `dlq list` shows it: what it is, and whether `dlq replay` would take it. */
export type ListedDeadLetter = DeadLetterView & { replayable: boolean; refusal: string | null };

export interface RegionListing {
  region: string;
  stream: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Listed here: the first `--limit` of `count`. */
  messages: ListedDeadLetter[];
}

const REASON_CHARS = 120;
const short = (s: string | null, n: number) => (s === null ? '-' : s.length > n ? `${s.slice(0, n - 1)}…` : s);
const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

export function formatListing(listings: RegionListing[], style: Style): string[] {
  const out: string[] = [];
  for (const l of listings) {
    const head = `${style.bold(l.region)}  ${l.stream}: ${l.count ? style.yellow(`${l.count} dead letter${l.count === 1 ? '' : 's'}`) : style.green('empty')}`;
    out.push(l.messages.length < l.count ? `${head} (first ${l.messages.length} shown)` : head);
    if (l.messages.length === 0) continue;
    const rows = l.messages.map((m) => [
      String(m.seq),
      when(m.deadAt),
      m.originalSubject ?? '-',
      m.eventId ?? style.red('(no event id)'),
      m.replayable ? '' : style.red('refused'),
    ]);
    table(['seq', 'dead-lettered (UTC)', 'original subject', 'event id', ''], rows, style).forEach((line, i) => {
      out.push(`  ${line}`);
      const m = l.messages[i - 1];
      if (!m) return;
      out.push(style.dim(`      reason: ${short(m.reason, REASON_CHARS)}`));
      if (m.refusal) out.push(style.red(`      replay refused: ${m.refusal}`));
    });
  }
  const total = listings.reduce((n, l) => n + l.count, 0);
  if (total) out.push(style.dim('replay with: pnpm wamesh dlq replay [--region R] [--seq N ...] [--dry-run]'));
  return out;
}

const ACTION_LABEL: Record<string, string> = {
  replayed: 'replayed',
  'already-replayed': 'replayed (already in the input stream)',
  'would-replay': 'would replay',
  refused: 'refused',
  failed: 'failed',
  'not-found': 'not found',
};

export function sumTallies(tallies: ReplayTally[]): ReplayTally {
  const sum: ReplayTally = { replayed: 0, alreadyReplayed: 0, wouldReplay: 0, refused: 0, failed: 0, notFound: 0, remaining: 0 };
  for (const t of tallies) for (const k of Object.keys(sum) as (keyof ReplayTally)[]) sum[k] += t[k];
  return sum;
}

export function formatReplay(regions: RegionReplay[], dryRun: boolean, style: Style): string[] {
  const out: string[] = [];
  for (const r of regions) {
    out.push(`${style.bold(r.region)}  ${r.stream} → ${r.input}${dryRun ? style.dim(' (dry run: nothing is published or deleted)') : ''}`);
    const width = Math.max(0, ...r.items.map((it) => (ACTION_LABEL[it.action] ?? it.action).length));
    for (const it of r.items) {
      const label = pad(ACTION_LABEL[it.action] ?? it.action, width);
      const coloured = it.action === 'refused' || it.action === 'failed' || it.action === 'not-found' ? style.red(label) : label;
      const where = it.inputSeq !== undefined ? ` → ${r.input} seq ${it.inputSeq}` : '';
      out.push(`  ${coloured}  seq ${it.seq}  ${it.originalSubject ?? '-'}  ${it.eventId ?? '(no event id)'}${where}`);
      if (it.reason) out.push(style.dim(`      ${it.reason}`));
    }
    if (r.stoppedBy) out.push(style.red(`  stopped: the rest of ${r.stream} was not attempted`));
  }
  const t = sumTallies(regions.map((r) => r.tally));
  const bad = (n: number, s: string) => (n ? style.red(s) : s);
  out.push(
    (dryRun ? `would replay ${t.wouldReplay}` : `replayed ${t.replayed + t.alreadyReplayed}`) +
      (t.alreadyReplayed ? ` (${t.alreadyReplayed} already in the input stream from an earlier run)` : '') +
      `, ${bad(t.refused, `refused ${t.refused}`)}, ${bad(t.failed, `failed ${t.failed}`)}` +
      (t.notFound ? `, ${style.red(`not found ${t.notFound}`)}` : '') +
      `; left in the dead-letter stream${regions.length === 1 ? '' : 's'}: ${t.remaining}`,
  );
  return out;
}
