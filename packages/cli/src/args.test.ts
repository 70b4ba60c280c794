import { describe, expect, it } from 'vitest';
import { durationMs, int, list, parse, regionList } from './args.ts';
import { CliError } from './errors.ts';

describe('cli args', () => {
  it('cli args - repeated and comma-separated lists, durations with units', () => {
    const p = parse('x', ['--regions', 'a,b', '--regions', 'c', '--duration', '1.5m', '--n', '7'], {
      regions: { type: 'string', multiple: true },
      duration: { type: 'string' },
      n: { type: 'string' },
    });
    expect(list(p, 'regions')).toEqual(['a', 'b', 'c']);
    expect(durationMs(p, 'duration', 0)).toBe(90_000);
    expect(int(p, 'n', 0, 1, 10)).toBe(7);
  });

  it('cli args - bad input is a usage error naming the flag', () => {
    const p = parse('x', ['--n', '0', '--regions', 'US East'], { n: { type: 'string' }, regions: { type: 'string', multiple: true } });
    expect(() => int(p, 'n', 1, 1, 10)).toThrow(/--n wants an integer from 1 to 10/);
    expect(() => regionList(p, 'regions', [])).toThrow(CliError);
    expect(() => parse('dev', ['--nope'], {})).toThrow(/wamesh dev: Unknown option '--nope'/);
  });
});
