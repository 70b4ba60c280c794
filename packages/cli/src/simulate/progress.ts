import type { Io } from '../io.ts';
import type { DeliveryTally } from './deliver.ts';

export interface Progress {
  update(t: DeliveryTally): void;
  done(t: DeliveryTally): void;
}

/** A bar redrawn in place on a terminal; otherwise a plain line at each quarter. */
export function progress(io: Io, total: number, width = 28): Progress {
  const start = performance.now();
  let lastDraw = 0;
  let lastQuarter = 0;
  const settled = (t: DeliveryTally) => t.accepted + t.failed.length;
  const line = (t: DeliveryTally) => {
    const n = settled(t);
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? Math.round(n / secs) : 0;
    return `${n}/${total} posts (${t.duplicatesSent} duplicates), ${t.retries} retries, ${t.failed.length} failed, ${rate}/s`;
  };
  return {
    update(t) {
      const n = settled(t);
      if (io.errTTY) {
        const now = performance.now();
        if (now - lastDraw < 80 && n < total) return;
        lastDraw = now;
        const filled = Math.round((n / Math.max(1, total)) * width);
        const pct = String(Math.floor((n / Math.max(1, total)) * 100)).padStart(3);
        io.status(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${line(t)}`);
      } else {
        const quarter = Math.floor((n / Math.max(1, total)) * 4);
        if (quarter > lastQuarter && quarter < 4) {
          lastQuarter = quarter;
          io.err(`simulate: ${line(t)}`);
        }
      }
    },
    done(t) {
      if (io.errTTY) io.status(`${line(t)}\n`);
      else io.err(`simulate: ${line(t)}`);
    },
  };
}
