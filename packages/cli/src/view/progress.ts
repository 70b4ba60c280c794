import cliProgress from 'cli-progress';
import type { Io } from '../io.ts';

/** A progress bar for long work; a no-op where it must not draw. */
export interface Bar {
  /** Work done so far, and a short line of detail after the counts. */
  update(done: number, detail?: string): void;
  stop(): void;
}

const none: Bar = { update() {}, stop() {} };

/** Whether progressBar would draw: lets a caller skip work done only for the bar's total. */
export const showsBar = (io: Io, json: boolean | undefined): boolean => io.barStream !== undefined && !json;

/**
 * A bar on stderr when stderr is a terminal and the output is for a person; nothing
 * otherwise, so --json, pipes and CI logs never carry redraw sequences.
 */
export function progressBar(io: Io, total: number, opts: { label: string; json?: boolean | undefined }): Bar {
  if (!showsBar(io, opts.json)) return none;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.barStream,
      format: `${opts.label} {bar} {percentage}% {value}/{total} {detail}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 12,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return {
    update: (done, detail = '') => bar.update(done, { detail }),
    stop: () => bar.stop(),
  };
}
