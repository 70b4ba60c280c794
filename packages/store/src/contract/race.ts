// The two-region race workload: a few hot keys, thousands of events, seeded so a failure
// can be replayed.
import type { Envelope, WaEvent } from '@wamesh/core';
import { inboundEnvelope, statusEnvelope } from './events.ts';

const T0 = 1_760_000_000;
const STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted'];

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface RaceWorkload {
  /** Distinct events (unique ids). */
  events: Envelope<WaEvent>[];
  wamids: string[];
  waIds: string[];
}

/** About `size` distinct events: 80 % statuses over 16 wamids, 20 % inbound over 4 users. */
export function raceWorkload(size: number, salt: string, seed: number): RaceWorkload {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const wamids = Array.from({ length: 16 }, (_, i) => `wamid.HBgM${salt}+${i}/race=`);
  const waIds = Array.from({ length: 4 }, (_, i) => `3161${salt}${i}`);
  const byId = new Map<string, Envelope<WaEvent>>();
  for (let i = 0; byId.size < size && i < size * 4; i++) {
    // The region derives from the event's own fields: both writers carry the same envelope.
    const ts = T0 + Math.floor(random() * 900);
    const meta = { region: ts % 2 ? 'eu' : 'us', receivedAt: ts * 1000 + 250 };
    const env =
      random() < 0.8
        ? statusEnvelope({ id: pick(wamids), status: pick(STATUSES), timestamp: ts, recipientId: pick(waIds) }, meta)
        : inboundEnvelope({ id: `wamid.HBgM${salt}+in${i}=`, from: pick(waIds), timestamp: ts }, meta);
    byId.set(env.event.id, env);
  }
  return { events: [...byId.values()], wamids, waIds };
}
