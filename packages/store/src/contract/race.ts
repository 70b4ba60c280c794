// The two-region race workload: a few hot keys, thousands of events, seeded so a failure
// can be replayed.
import { type Envelope, seededRandom, type WaEvent } from '@wamesh/core';
import { inboundEnvelope, statusEnvelope } from './events.ts';

const T0 = 1_760_000_000;
const STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted'];

export interface RaceWorkload {
  /** Distinct events (unique ids). */
  events: Envelope<WaEvent>[];
  wamids: string[];
  waIds: string[];
}

/** About `size` distinct events: 80 % statuses over 16 wamids, 20 % inbound over 4 users. */
export function raceWorkload(size: number, salt: string, seed: number): RaceWorkload {
  const random = seededRandom(seed);
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
