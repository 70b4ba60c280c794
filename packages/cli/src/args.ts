import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** parseArgs in strict mode, its errors turned into usage errors naming the command. */
export function parse(command: string, argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw new CliError('USAGE', `wamesh ${command}: ${(err as Error).message}`);
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** Every value of a repeatable flag, each also split on commas: `--region a --region b,c`. */
export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  const raw = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return raw.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
}

export function int(p: Parsed, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const s = str(p, name);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError('USAGE', `--${name} wants an integer from ${min} to ${max}, got "${s}"`);
  }
  return n;
}

export function num(p: Parsed, name: string, fallback: number, min = 0, max = Number.MAX_VALUE): number {
  const s = str(p, name);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new CliError('USAGE', `--${name} wants a number from ${min} to ${max}, got "${s}"`);
  }
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "10s", "2m", "1h", "7d"; a bare number is seconds. */
export function durationMs(p: Parsed, name: string, fallbackMs: number): number {
  const s = str(p, name);
  if (s === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new CliError('USAGE', `--${name} wants a duration like 10s, 500ms or 2m, got "${s}"`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}

/** Region names become subjects, stream names and cluster names: keep them to a safe alphabet. */
export function regionList(p: Parsed, name: string, fallback: string[]): string[] {
  const regions = list(p, name);
  const out = regions.length ? regions : fallback;
  for (const r of out) {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(r)) {
      throw new CliError('USAGE', `region "${r}": use lower-case letters, digits and "-" (e.g. us-east)`);
    }
  }
  if (new Set(out).size !== out.length) throw new CliError('USAGE', `--${name} lists a region twice`);
  return out;
}
