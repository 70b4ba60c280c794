import type { FeedEntry } from '@wamesh/client';
import { type Style, waTime } from './style.ts';

/** One line per delivered entry: what it is, its key and per-key number, WhatsApp time, region, flags. */
export function entryLine(e: FeedEntry, style: Style): string {
  const flags = Object.entries(e.flags ?? {})
    .filter(([, on]) => on === true)
    .map(([name]) => name);
  const wa = e.whatsappTime === undefined ? '-' : `${waTime(e.whatsappTime)}Z`;
  return [
    style.bold(e.kind.padEnd(16)),
    `key=${e.key}`,
    `seq=${e.seq}`,
    `wa=${wa}`,
    `region=${e.region}`,
    flags.length ? style.yellow(`flags=${flags.join(',')}`) : style.dim('flags=-'),
  ].join('  ');
}
