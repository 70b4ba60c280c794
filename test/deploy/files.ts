// Loaders shared by the deploy tests: the compose file (anchors and merge keys resolved,
// `${VAR:-default}` interpolated with its defaults), the Dockerfile's targets, the NATS
// configs of infra/nats.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type ConfMap, parseNatsConf } from './nats-conf.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
export type Region = (typeof REGIONS)[number];

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string; disable?: boolean };
  profiles?: string[];
  container_name?: string;
  restart?: string;
  volumes?: string[];
  read_only?: boolean;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const readText = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');

export function loadCompose(): ComposeFile {
  return parse(readText('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** Compose interpolation with defaults only: what `docker compose config` gives without a .env. */
export function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name: string, def: string | undefined) => def ?? '');
}

/** A service's environment as the container would see it (strings, interpolated). */
export function serviceEnv(svc: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.environment ?? {})) {
    if (v !== null && v !== undefined) out[k] = interpolate(String(v));
  }
  return out;
}

/** `FROM <image> AS <name>` stages of the Dockerfile, in order. */
export function dockerStages(): { from: string; name: string | undefined; body: string[] }[] {
  const stages: { from: string; name: string | undefined; body: string[] }[] = [];
  for (const line of readText('Dockerfile').split('\n')) {
    const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (m) stages.push({ from: m[1]!, name: m[2], body: [] });
    else if (stages.length > 0 && line.trim() && !line.trim().startsWith('#')) stages.at(-1)!.body.push(line.trim());
  }
  return stages;
}

export const natsConf = (region: string): ConfMap => parseNatsConf(join(ROOT, 'infra', 'nats', `${region}.conf`));
export const natsConfPath = (region: string): string => join(ROOT, 'infra', 'nats', `${region}.conf`);
