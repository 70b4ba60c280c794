import type { DecisionResult, ListedRelayDeadLetter } from '../relay-dlq/letters.ts';
import { type Style, table } from './style.ts';

const REASON_CHARS = 120;
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Dead letters per endpoint: what each entry is, why it failed, and any decision not yet carried out. */
export function formatRelayListing(letters: ListedRelayDeadLetter[], endpoints: string[], style: Style): string[] {
  const out: string[] = [];
  for (const ep of endpoints) {
    const mine = letters.filter((l) => l.endpoint === ep);
    out.push(`${style.bold(ep)}  ${mine.length ? style.yellow(`${mine.length} dead letter${mine.length === 1 ? '' : 's'}`) : style.green('no dead letters')}`);
    if (mine.length === 0) continue;
    const rows = mine.map((l) => [
      String(l.seq),
      l.kind,
      l.key,
      `#${l.feedSeq}`,
      l.region,
      String(l.attempts),
      l.pending ? style.yellow(`${l.pending} pending`) : '',
    ]);
    table(['seq', 'kind', 'key', 'feed', 'region', 'attempts', ''], rows, style).forEach((line, i) => {
      out.push(`  ${line}`);
      const l = mine[i - 1];
      if (l) out.push(style.dim(`      ${l.entryId}: ${short(l.reason, REASON_CHARS)}`));
    });
  }
  if (endpoints.length === 0) out.push(style.green('no dead letters'));
  if (letters.length) out.push(style.dim('deliver again: pnpm wamesh relay dlq replay <seq...>; move the key on: pnpm wamesh relay dlq skip <seq...>'));
  return out;
}

const LABEL: Record<DecisionResult['action'], string> = {
  replayed: 'replayed',
  skipped: 'skipped',
  pending: 'pending',
  'not-found': 'not found',
};

export function formatRelayDecisions(results: DecisionResult[], waitMs: number, style: Style): string[] {
  const out = results.map((r) => {
    const label = LABEL[r.action].padEnd(9);
    const what = r.endpoint ? `  ${r.endpoint}  ${r.key}  ${r.entryId}` : '';
    const copies = r.alsoDeleted ? style.dim(` (copies ${r.alsoDeleted.join(', ')} deleted too)`) : '';
    return `${r.action === 'pending' || r.action === 'not-found' ? style.red(label) : label}  seq ${r.seq}${what}${copies}`;
  });
  if (results.some((r) => r.action === 'pending')) {
    out.push(
      style.dim(
        `pending: no relay took the decision within ${waitMs / 1000} s; it stays recorded and is carried out when the ` +
          "endpoint's relay next holds the entry blocked (is the relay running?)",
      ),
    );
  }
  if (results.some((r) => r.action === 'not-found')) out.push(style.dim('not found: no such seq among the dead letters listed by `wamesh relay dlq list`'));
  return out;
}
