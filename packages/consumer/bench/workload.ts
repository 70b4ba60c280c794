// The benchmark's workload: message lifecycles (statuses) and inbound conversations over K
// keys, in an arrival order with inversions (jitter) and duplicates (re-sent webhooks that
// fell out of the duplicate window), normalized the way the ingress does it.
import { type ChangeSpec, type Envelope, type StatusName, type WaEvent, webhookEvents } from '@wamesh/core';

export interface WorkloadSpec {
  events: number;
  keys: number;
  shards: number;
  /** Fraction of events sent a second time (new stream message, same event id). */
  duplicateRate: number;
  /** Arrival = WhatsApp time + uniform jitter up to this many seconds: same-key inversions. */
  jitterSeconds: number;
  seed: number;
}

export interface Workload {
  /** In arrival order, duplicates included. */
  arrivals: WaEvent[];
  /** Distinct events. */
  distinct: number;
  duplicates: number;
  /** Arrivals that came after a later (WhatsApp time) event of the same key. */
  inversions: number;
  wamids: string[];
}

const BUSINESS = '106540352242922';
const T0 = 1_760_000_000;

export function makeWorkload(spec: WorkloadSpec): Workload {
  const rnd = lcg(spec.seed);
  const changes: { change: ChangeSpec; at: number }[] = [];
  // One key in five is a conversation (inbound messages), the rest outbound messages (statuses).
  const users = Math.max(1, Math.floor(spec.keys / 5));
  const outbound = Math.max(1, spec.keys - users);
  const ladder: StatusName[] = ['sent', 'delivered', 'read'];
  let made = 0;
  let round = 0;
  while (made < spec.events) {
    for (let k = 0; k < outbound && made < spec.events; k++) {
      const wamid = `wamid.bench.${k}.${round}`;
      const start = T0 + round * 60 + Math.floor(rnd() * 30);
      const steps: StatusName[] = rnd() < 0.1 ? ['sent', 'failed'] : rnd() < 0.05 ? [...ladder, 'played'] : ladder;
      steps.forEach((status, i) => {
        const at = start + i * (1 + Math.floor(rnd() * 4));
        changes.push({ change: { phoneNumberId: BUSINESS, statuses: [{ id: wamid, status, timestamp: at, recipientId: `49151${k % 997}` }] }, at });
      });
      made += steps.length;
    }
    for (let u = 0; u < users && made < spec.events; u++) {
      const at = T0 + round * 60 + Math.floor(rnd() * 60);
      const id = `wamid.bench.in.${u}.${round}`;
      changes.push({ change: { phoneNumberId: BUSINESS, messages: [{ id, from: `55119${u}`, timestamp: at, text: 'hello', name: 'User' }] }, at });
      made++;
    }
    round++;
  }
  const arrivals: { event: WaEvent; arrival: number }[] = [];
  for (const { change, at } of changes) {
    for (const event of webhookEvents([{ wabaId: '102290129340398', changes: [change] }], spec.shards)) {
      arrivals.push({ event, arrival: at + rnd() * spec.jitterSeconds });
      if (rnd() < spec.duplicateRate) arrivals.push({ event, arrival: at + spec.jitterSeconds + rnd() * spec.jitterSeconds });
    }
  }
  arrivals.sort((a, b) => a.arrival - b.arrival);
  const latest = new Map<string, number>();
  let inversions = 0;
  for (const { event } of arrivals) {
    const top = latest.get(event.key) ?? -1;
    if (event.timestamp < top) inversions++;
    else latest.set(event.key, event.timestamp);
  }
  const distinct = new Set(arrivals.map((a) => a.event.id)).size;
  return {
    arrivals: arrivals.map((a) => a.event),
    distinct,
    duplicates: arrivals.length - distinct,
    inversions,
    wamids: [...new Set(arrivals.map((a) => a.event.wamid))],
  };
}

/** Envelopes of one region (the region is part of the subject the publisher picks). */
export function envelopesFor(w: Workload, region: string): Envelope[] {
  const receivedAt = Date.now();
  return w.arrivals.map((event, i) => ({ event, meta: { region, receivedAt: receivedAt + i } }));
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}
