// Flag values as commander parses them: each parser throws InvalidArgumentError, which
// commander reports naming the flag, and the cli turns into exit code 2.
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import ms from 'ms';
import { webhookSigner } from '@wamesh/client';
import { isRegion } from '@wamesh/core';
import { CliError } from './errors.ts';

export function intArg(min = 0, max = Number.MAX_SAFE_INTEGER): (s: string) => number {
  return (s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Wants an integer from ${min} to ${max}`);
    return n;
  };
}

export function numArg(min = 0, max = Number.MAX_VALUE): (s: string) => number {
  return (s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`Wants a number from ${min} to ${max}`);
    return n;
  };
}

/** "500ms", "10s", "2m", "1h", "7d" (anything `ms` reads); a bare number is seconds. */
export function durationArg(s: string): number {
  const t = s.trim();
  const v = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : (ms(t as ms.StringValue) as number | undefined);
  if (v === undefined || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError('Wants a duration like 10s, 500ms or 2m');
  return Math.round(v);
}

/** "536870912", "512MiB", "2GB": a size in bytes (KiB/MiB/GiB/TiB are 1024-based, KB/MB/GB/TB 1000-based). */
export function bytesArg(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|[kmgt]i?b)?$/i.exec(s.trim());
  const unit = (m?.[2] ?? 'b').toLowerCase();
  const scale = unit === 'b' ? 1 : (unit.includes('i') ? 1024 : 1000) ** ('kmgt'.indexOf(unit[0]!) + 1);
  const v = m ? Math.round(Number(m[1]) * scale) : Number.NaN;
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('Wants a size like 512MiB, 2GB or a number of bytes');
  return v;
}

/** `--seq 3 --seq 5,6`: stream sequences. */
export function seqArg(value: string, previous: number[] = []): number[] {
  return [
    ...previous,
    ...value.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('Wants a stream sequence (1, 2, …)');
      return n;
    }),
  ];
}

const splitList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A repeatable flag whose values are also split on commas: `--region a --region b,c`. */
export function listArg(value: string, previous: string[] = []): string[] {
  return [...previous, ...splitList(value)];
}

/** Region names become subjects, stream names and cluster names: keep them to a safe alphabet. */
export function regionArg(value: string, previous: string[] = []): string[] {
  const regions = splitList(value);
  for (const r of regions) {
    if (!isRegion(r)) {
      throw new InvalidArgumentError(`Region "${r}": use one NATS subject token: letters, digits, "-" or "_" (e.g. us-east)`);
    }
  }
  return [...previous, ...regions];
}

/** `--regions a,b` and `--region R` together, each region once. */
export function regionsOf(opts: { regions?: string[] | undefined; region?: string[] | undefined }): string[] {
  const all = [...(opts.regions ?? []), ...(opts.region ?? [])];
  if (new Set(all).size !== all.length) throw new CliError('E_USAGE', '--regions/--region name a region twice');
  return all;
}

// Options several commands share; factories, since commander keeps each Option it is given.
export const regionsOption = (what: string) => new Option('--regions <a,b>', what).argParser(regionArg);
export const regionOption = () => new Option('--region <r>', 'one region; repeatable, same as --regions').argParser(regionArg);
export const natsOption = () => new Option('--nats <url>', 'NATS server URL(s), comma-separated (else the dev mesh, else NATS_URLS)');
export const mongoOption = () => new Option('--mongo <uri>', 'read the mongo store at this URI (else the dev mesh, else MONGODB_URI)');
export const homeOption = () => new Option('--home <dir>', 'where .wamesh/ (dev data, logs, state file) lives (default <project>/.wamesh)');
export const jsonOption = () => new Option('--json', 'print JSON instead of text');

/** The relay secret `wamesh dev` signs with and `wamesh receive` verifies with unless told otherwise. */
export const DEV_RELAY_SECRET = 'whsec_d2FtZXNoLWRldi1yZWxheS1zZWNyZXQh';
/** Where `wamesh receive` listens and `wamesh dev`'s relay delivers by default: below the dev mesh's ports. */
export const DEV_RECEIVE_PORT = 8070;
export const DEV_RELAY_ENDPOINT = `http://127.0.0.1:${DEV_RECEIVE_PORT}/hook`;

/** A Standard Webhooks secret (`whsec_` and base64), as the relay and the client take it. */
export function webhookSecretArg(value: string): string {
  try {
    if (!value.startsWith('whsec_')) throw new Error('no whsec_ prefix');
    webhookSigner([value]);
  } catch {
    throw new InvalidArgumentError('Wants a Standard Webhooks secret: whsec_ followed by base64');
  }
  return value;
}

/** `--secret whsec_…`, repeatable (a rotation signs with several). */
export const webhookSecretsArg = (value: string, previous: string[] = []): string[] => [...previous, webhookSecretArg(value)];

/** `--relay-endpoint http://…`, repeatable: http(s) URLs. */
export function httpUrlsArg(value: string, previous: string[] = []): string[] {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new InvalidArgumentError('Wants an http:// or https:// URL');
  return [...previous, value];
}
