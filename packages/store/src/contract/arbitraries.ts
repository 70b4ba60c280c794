// Random event sets for the property tests: a few wamids and conversations, timestamps in
// a window of seconds (so ties and same-second pairs happen), statuses known and unknown,
// delivered in a random order with duplicates and cut into random batches.
import type { Envelope, MessageEvent, StatusEvent, WaEvent } from '@wamesh/core';
import fc from 'fast-check';
import { inboundEnvelope, statusEnvelope } from './events.ts';

const T0 = 1_760_000_000;
const STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'warning'] as const;
const REGIONS = ['eu', 'us', 'ap'] as const;

export type EventSpec =
  | { kind: 'status'; wamid: number; status: (typeof STATUSES)[number]; dt: number; recipient: number }
  | { kind: 'msg'; from: number; dt: number; type: 'text' | 'image'; wamid?: number };

export interface Arrival {
  specs: EventSpec[];
  /** Indexes into specs, each at least once, shuffled: the order events reach the store. */
  order: number[];
  /** Batch sizes, used in turn. */
  batches: number[];
}

const statusSpec = fc.record({
  kind: fc.constant('status' as const),
  wamid: fc.nat({ max: 3 }),
  status: fc.constantFrom(...STATUSES),
  dt: fc.nat({ max: 6 }),
  recipient: fc.nat({ max: 1 }),
});

// `wamid` set: the inbound message shares its wamid with a status (status before message).
const messageSpec = fc.record(
  {
    kind: fc.constant('msg' as const),
    from: fc.nat({ max: 2 }),
    dt: fc.nat({ max: 4 }),
    type: fc.constantFrom('text' as const, 'image' as const),
    wamid: fc.nat({ max: 3 }),
  },
  { requiredKeys: ['kind', 'from', 'dt', 'type'] },
);

export const arrivalArb = (maxEvents = 24): fc.Arbitrary<Arrival> =>
  fc
    .array(fc.oneof(statusSpec, messageSpec), { minLength: 1, maxLength: maxEvents })
    .chain((specs) => {
      const dups = fc.array(fc.nat({ max: specs.length - 1 }), { maxLength: Math.ceil(specs.length / 2) });
      return fc.tuple(fc.constant(specs), dups);
    })
    .chain(([specs, dups]) => {
      const all = [...specs.keys(), ...dups];
      return fc.record({
        specs: fc.constant(specs),
        order: fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        batches: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
      });
    });

/** Ids holding `+`, `/` and `=` as real wamids do; `salt` keeps runs apart in one store. */
export const wamidOf = (salt: string, n: number): string => `wamid.HBgL${salt}+${n}/AgAR=`;
export const waIdOf = (salt: string, n: number): string => `4915${salt}${n}`;

/** Envelopes of the specs; an inbound message's wamid is unique to it unless it borrows a status's. */
export function envelopesOf(specs: readonly EventSpec[], salt: string): Envelope<WaEvent>[] {
  // A wamid names one inbound message (its event id derives from it): borrow each only once.
  const borrowed = new Set<number>();
  return specs.map((spec, i): Envelope<WaEvent> => {
    const meta = { region: REGIONS[(spec.dt + i) % REGIONS.length]!, receivedAt: (T0 + i) * 1000 };
    if (spec.kind === 'status') {
      // Everything but the region derives from the event id's fields, so equal ids mean equal events.
      return statusEnvelope(
        {
          id: wamidOf(salt, spec.wamid),
          status: spec.status,
          timestamp: T0 + spec.dt,
          recipientId: waIdOf(salt, spec.recipient),
          ...(spec.status === 'sent' ? { pricing: { billable: true, category: 'service' } } : {}),
          ...(spec.status === 'failed' ? { errors: [{ code: 131026, title: 'Receiver is incapable' }] } : {}),
        },
        { ...meta, region: REGIONS[spec.dt % REGIONS.length]! },
      );
    }
    const borrows = spec.wamid !== undefined && !borrowed.has(spec.wamid);
    if (borrows) borrowed.add(spec.wamid!);
    const wamid = borrows ? wamidOf(salt, spec.wamid!) : wamidOf(salt, 100 + i);
    const from = waIdOf(salt, spec.from);
    return inboundEnvelope({ id: wamid, from, timestamp: T0 + spec.dt, type: spec.type, name: `user ${spec.from}` }, meta);
  });
}

/**
 * `envelopes` in arrival `order`. A repeat is the same event received again by another
 * region's ingress (Meta retrying elsewhere): same event, other region and trace context.
 */
export function arrivalsOf(envelopes: readonly Envelope<WaEvent>[], order: readonly number[]): Envelope<WaEvent>[] {
  const copies = new Map<number, number>();
  return order.map((i) => {
    const envelope = envelopes[i]!;
    const copy = copies.get(i) ?? 0;
    copies.set(i, copy + 1);
    if (copy === 0) return envelope;
    const region = REGIONS[(REGIONS.indexOf(envelope.meta.region as (typeof REGIONS)[number]) + copy) % REGIONS.length]!;
    const traceparent = `00-${String(i).padStart(32, '0')}-${String(copy).padStart(16, '0')}-01`;
    return { event: envelope.event, meta: { ...envelope.meta, region, traceparent } };
  });
}

/** Cuts `items` into batches of the given sizes, used in turn. */
export function batchesOf<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let at = 0, i = 0; at < items.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

export const isStatus = (e: Envelope<WaEvent>): e is Envelope<StatusEvent> => e.event.kind === 'status';
export const isMessage = (e: Envelope<WaEvent>): e is Envelope<MessageEvent> => e.event.kind === 'msg';
