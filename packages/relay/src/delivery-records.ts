// What became of each entry at each endpoint, for `wamesh trace`: the final outcome only
// (delivered, or dead-lettered), one key per endpoint and entry (`<endpoint>.<entry token>`)
// in the relay's deliveries bucket. Written off the delivery path: records are queued and
// written in batches, and a batch that fails is logged and dropped. A lost record is a
// missing trace line, never a delayed or lost delivery.
import { JetStreamApiCodes, JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { BusLogger } from '@wamesh/bus';
import { z } from 'zod';
import { entryToken } from './entry-token.ts';
import type { Item } from './scheduler.ts';
import { RELAY_DELIVERIES_BUCKET } from './topology.ts';

const attempts = {
  endpoint: z.string(),
  entryId: z.string(),
  attempts: z.number().int(),
  /** Epoch ms. */
  firstAttemptAt: z.number(),
  lastAttemptAt: z.number(),
};

export const deliveryRecordSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('delivered'),
    ...attempts,
    /** The 2xx that ended it. */
    status: z.number().int(),
    /** From the store's commit to the 2xx. */
    latencyMs: z.number(),
  }),
  z.object({
    outcome: z.literal('dead-lettered'),
    ...attempts,
    /** The last answer's status, or the error when there was no answer (timeout, connection). */
    status: z.number().int().optional(),
    error: z.string().optional(),
    reason: z.string(),
  }),
]);

export type DeliveryRecord = z.infer<typeof deliveryRecordSchema>;

export const deliveryRecordKey = (endpoint: string, entryId: string): string => `${endpoint}.${entryToken(entryId)}`;

// Both are made once the item was attempted: its attempt times and last outcome are set.

/** The record of an item whose last attempt the endpoint answered 2xx, now. */
export function deliveredRecord(endpoint: string, item: Item, now = Date.now()): DeliveryRecord {
  return {
    outcome: 'delivered',
    endpoint,
    entryId: item.entry.id,
    attempts: item.attempts,
    firstAttemptAt: item.firstAttemptAt!,
    lastAttemptAt: item.lastAttemptAt!,
    status: item.lastOutcome!.status!,
    latencyMs: Math.max(0, now - item.entry.committedAt),
  };
}

/** The record of an item copied to the endpoint's dead letters for `reason`. */
export function deadLetteredRecord(endpoint: string, item: Item, reason: string): DeliveryRecord {
  const last = item.lastOutcome!;
  const rec: DeliveryRecord = {
    outcome: 'dead-lettered',
    endpoint,
    entryId: item.entry.id,
    attempts: item.attempts,
    firstAttemptAt: item.firstAttemptAt!,
    lastAttemptAt: item.lastAttemptAt!,
    reason,
  };
  if (last.status !== undefined) rec.status = last.status;
  else if (last.result !== 'ok') rec.error = last.reason;
  return rec;
}

export interface DeliveryRecorder {
  /** Queues a record; never waits, never throws. */
  record(rec: DeliveryRecord): void;
  /** Writes what is queued and waits for writes in flight. */
  close(): Promise<void>;
  /** Drops what is queued, like a crash (tests). */
  drop(): void;
}

export interface RecorderOptions {
  /** How long a record waits for others to be written with it. */
  flushMs?: number;
  /** Records queued at most; beyond, new ones are dropped (NATS slow or away). */
  maxQueued?: number;
}

/**
 * A JetStream publish awaits its ack (an inbox, a timer, a promise): one per delivery added
 * 13% to the relay's CPU per delivery in `pnpm bench:relay`. So a batch goes out as plain
 * publishes and only its last one is acked: a stream stores one connection's messages in
 * order, so that ack says the batch got there, and its failure (no bucket, no permission,
 * NATS away) is logged once for the batch.
 */
export function createDeliveryRecorder(nc: NatsConnection, logger: BusLogger, opts: RecorderOptions = {}): DeliveryRecorder {
  const js = jetstream(nc);
  const subject = (key: string): string => `$KV.${RELAY_DELIVERIES_BUCKET}.${key}`;
  const flushMs = opts.flushMs ?? 100;
  const maxQueued = opts.maxQueued ?? 50_000;
  // By key: a later record of an entry (a replayed dead letter, delivered) replaces the earlier.
  let queued = new Map<string, string>();
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  // One batch at a time: a slow NATS makes the queue grow (up to maxQueued), not the writes in flight.
  let writing: Promise<void> | undefined;

  async function write(batch: Map<string, string>): Promise<void> {
    const records = [...batch];
    const [lastKey, lastValue] = records.pop()!;
    try {
      for (const [key, value] of records) nc.publish(subject(key), value);
      await js.publish(subject(lastKey), lastValue);
    } catch (err) {
      logger.warn({ records: batch.size, err: String(err) }, 'writing delivery records failed: those entries will have no delivery in wamesh trace');
    }
  }

  function schedule(): void {
    timer ??= setTimeout(flush, flushMs);
  }

  function flush(): void {
    timer = undefined;
    if (writing) return; // the batch in flight schedules the next when it is done
    if (dropped > 0) {
      logger.warn({ dropped }, 'delivery records dropped: too many waiting to be written');
      dropped = 0;
    }
    if (queued.size === 0) return;
    const batch = queued;
    queued = new Map();
    writing = write(batch).then(() => {
      writing = undefined;
      if (queued.size > 0) schedule();
    });
  }

  return {
    record(rec) {
      const key = deliveryRecordKey(rec.endpoint, rec.entryId);
      if (queued.size >= maxQueued && !queued.has(key)) {
        dropped++;
        return;
      }
      queued.set(key, JSON.stringify(rec));
      schedule();
    },
    async close() {
      await writing;
      clearTimeout(timer);
      flush();
      await writing;
    },
    drop() {
      clearTimeout(timer);
      timer = undefined;
      queued = new Map();
    },
  };
}

/**
 * The delivery records of the given entries, every endpoint's, by entry id (endpoints in
 * name order); undefined when there is no deliveries bucket (no relay ever ran here).
 */
export async function readDeliveryRecords(nc: NatsConnection, entryIds: string[]): Promise<Map<string, DeliveryRecord[]> | undefined> {
  const kv = await new Kvm(nc).open(RELAY_DELIVERIES_BUCKET);
  try {
    await kv.status();
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
    throw err;
  }
  const out = new Map<string, DeliveryRecord[]>();
  const ids = [...new Set(entryIds)];
  // One key listing per entry (`*.<token>`: every endpoint's), a few at a time: one listing
  // of several filters needs nats-server 2.10.
  for (let i = 0; i < ids.length; i += READ_PARALLEL) {
    await Promise.all(
      ids.slice(i, i + READ_PARALLEL).map(async (id) => {
        const records = await recordsOfEntry(kv, id);
        if (records.length > 0) out.set(id, records);
      }),
    );
  }
  return out;
}

const READ_PARALLEL = 16;

async function recordsOfEntry(kv: KV, entryId: string): Promise<DeliveryRecord[]> {
  const keys: string[] = [];
  for await (const key of await kv.keys(`*.${entryToken(entryId)}`)) keys.push(key);
  keys.sort();
  const out: DeliveryRecord[] = [];
  for (const e of await Promise.all(keys.map((key) => kv.get(key)))) {
    const parsed = e?.operation === 'PUT' ? deliveryRecordSchema.safeParse(e.json()) : undefined;
    if (parsed?.success) out.push(parsed.data);
  }
  return out;
}
