import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../testing.ts';
import type { DeliveryTally } from './deliver.ts';
import { progress } from './progress.ts';

const tally = (accepted: number): DeliveryTally => ({ posts: accepted, accepted, duplicatesSent: 1, duplicatesSeen: 0, events: accepted, retries: 0, failed: [] });

function terminalIo() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let drawn = '';
  stream.on('data', (d) => (drawn += d));
  return { io: { ...captureIo(), barStream: stream }, drawn: () => drawn };
}

describe('simulate progress', () => {
  it('simulate progress - a bar on a terminal, quarter lines in a log, nothing but the JSON with --json', () => {
    const tty = terminalIo();
    const onTty = progress(tty.io, 8, false);
    for (let i = 1; i <= 8; i++) onTty.update(tally(i));
    onTty.done(tally(8));
    expect(tty.drawn()).toMatch(/posts .*100% 8\/8 \(1 duplicates\)/);
    expect(tty.io.stderr).toEqual([expect.stringMatching(/^simulate: 8\/8 posts/)]);

    const log = captureIo();
    const inLog = progress(log, 8, false);
    for (let i = 1; i <= 8; i++) inLog.update(tally(i));
    inLog.done(tally(8));
    expect(log.stderr.map((l) => l.split(' ')[1])).toEqual(['2/8', '4/8', '6/8', '8/8']);

    const json = terminalIo();
    const quiet = progress(json.io, 8, true);
    for (let i = 1; i <= 8; i++) quiet.update(tally(i));
    quiet.done(tally(8));
    expect(json.drawn()).toBe('');
    expect(json.io.stderr).toEqual([]);
  });
});
