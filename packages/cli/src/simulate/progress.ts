import type { Io } from '../io.ts';
import { progressBar } from '../view/progress.ts';
import type { DeliveryTally } from './deliver.ts';

export interface Progress {
  update(t: DeliveryTally): void;
  done(t: DeliveryTally): void;
}

/**
 * Delivery progress: a bar on a terminal; in a log (stderr not a terminal) a plain line at
 * each quarter; with --json nothing but the JSON.
 */
export function progress(io: Io, total: number, json: boolean): Progress {
  const start = performance.now();
  let lastQuarter = 0;
  const settled = (t: DeliveryTally) => t.accepted + t.failed.length;
  const detail = (t: DeliveryTally) => {
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? Math.round(settled(t) / secs) : 0;
    return `(${t.duplicatesSent} duplicates), ${t.retries} retries, ${t.failed.length} failed, ${rate}/s`;
  };
  const line = (t: DeliveryTally) => `simulate: ${settled(t)}/${total} posts ${detail(t)}`;
  const bar = progressBar(io, total, { label: 'posts', json });
  const logged = !json && !io.barStream;
  return {
    update(t) {
      bar.update(settled(t), detail(t));
      const quarter = Math.floor((settled(t) / Math.max(1, total)) * 4);
      if (logged && quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        io.err(line(t));
      }
    },
    done(t) {
      bar.stop();
      if (!json) io.err(line(t));
    },
  };
}
