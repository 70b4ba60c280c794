import { InvalidArgumentError } from '@commander-js/extra-typings';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import { CliError } from './errors.ts';
import { bytesArg, durationArg, intArg, listArg, regionArg, regionsOf } from './options.ts';
import { captureIo } from './testing.ts';

describe('cli options', () => {
  it('cli options - repeated and comma-separated lists, durations with units', () => {
    expect(['c'].reduce((prev, v) => listArg(v, prev), listArg('a,b'))).toEqual(['a', 'b', 'c']);
    expect(durationArg('1.5m')).toBe(90_000);
    expect(durationArg('500ms')).toBe(500);
    expect(durationArg('7d')).toBe(7 * 86_400_000);
    // A bare number is seconds, as the help says.
    expect(durationArg('10')).toBe(10_000);
    expect(intArg(1, 10)('7')).toBe(7);
  });

  it('cli options - sizes: bytes, 1024-based KiB/MiB/GiB, 1000-based KB/MB/GB', () => {
    expect(bytesArg('4096')).toBe(4096);
    expect(bytesArg('512MiB')).toBe(512 * 1024 ** 2);
    expect(bytesArg('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(bytesArg('2GB')).toBe(2e9);
    expect(bytesArg('64kb')).toBe(64_000);
    for (const bad of ['0', 'lots', '5 PB', '-1MiB', '']) expect(() => bytesArg(bad), bad).toThrow(InvalidArgumentError);
  });

  it('cli options - bad input is a usage error naming the flag', async () => {
    expect(() => intArg(1, 10)('0')).toThrow(/Wants an integer from 1 to 10/);
    expect(() => durationArg('soon')).toThrow(InvalidArgumentError);
    expect(() => regionArg('US East')).toThrow(InvalidArgumentError);
    expect(() => regionsOf({ regions: ['a', 'b'], region: ['a'] })).toThrow(CliError);
    const io = captureIo();
    expect(await runCli(['dev', '--nope'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/wamesh dev: unknown option '--nope'/);
  });
});
