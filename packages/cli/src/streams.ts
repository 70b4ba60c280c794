// Reading a region's operator-facing stream (dead letters WADLQ_<R>, quarantine WAQUAR_<R>)
// message by message: its state, a scan in stream order, one message by sequence, the
// regions that have one, and the shards of the region's input stream.
import type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from '@nats-io/jetstream';
import { Match, millis, type MsgHdrs } from '@nats-io/nats-core';
import { streamNames } from '@wamesh/core';
import { CliError } from './errors.ts';

/** What a replay out of a region's stream (dlq, quarantine) is told, `I` the item it decides. */
export interface StreamReplayOptions<I> {
  /** Only these stream sequences; all when undefined. */
  seqs?: number[];
  /** PubAck wait (dlq: per message; quarantine: for each body's publishes). */
  timeoutMs?: number;
  /** Called as each item is decided (for the progress bar). */
  onItem?: (item: I) => void;
}

/** One message of a stream, whichever way it was read. */
export interface StreamRecord {
  stream: string;
  seq: number;
  subject: string;
  /** When the stream stored it. */
  storedAt: Date;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
}

export interface StreamState {
  region: string;
  stream: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
}

export const header = (h: MsgHdrs | undefined, key: string): string | null => h?.get(key, Match.IgnoreCase) || null;

const fromStored = (stream: string, m: StoredMsg): StreamRecord => ({
  stream,
  seq: m.seq,
  subject: m.subject,
  storedAt: m.time,
  headers: m.header,
  data: m.data,
});

const fromJsMsg = (stream: string, m: JsMsg): StreamRecord => ({
  stream,
  seq: m.seq,
  subject: m.subject,
  storedAt: new Date(millis(m.info.timestampNanos)),
  headers: m.headers,
  data: m.data,
});

/** JetStream's "stream not found" (10059). */
export const isNotFound = (err: unknown): boolean => (err as { code?: unknown })?.code === 10059 || /stream not found/i.test(String((err as Error)?.message));

/** Count and sequence range of one of a region's streams; NOT_FOUND when the region was never provisioned. */
export async function streamState(jsm: JetStreamManager, region: string, stream: string): Promise<StreamState> {
  try {
    const { state } = await jsm.streams.info(stream);
    return { region, stream, count: state.messages, firstSeq: state.first_seq, lastSeq: state.last_seq };
  } catch (err) {
    if (isNotFound(err)) throw new CliError('E_NOT_FOUND', `no stream ${stream}: is region ${region} provisioned? (wamesh provision)`);
    throw err;
  }
}

/** The operator-facing streams of a region, and how each one's subject names its region. */
export type RegionStreamKind = 'dead' | 'quarantine';
const REGION_OF_SUBJECT: Record<RegionStreamKind, RegExp> = {
  dead: /^wadlq\.([^.*>]+)\.>$/,
  quarantine: /^waquar\.([^.*>]+)$/,
};

/** Regions that have a stream of this kind, recognised by its name and subject (`wadlq.eu.>` → eu). */
export async function discoverRegions(jsm: JetStreamManager, kind: RegionStreamKind): Promise<string[]> {
  const regions: string[] = [];
  for await (const si of jsm.streams.list()) {
    for (const subject of si.config.subjects ?? []) {
      const r = REGION_OF_SUBJECT[kind].exec(subject)?.[1];
      if (r !== undefined && streamNames(r)[kind] === si.config.name) regions.push(r);
    }
  }
  return regions.sort();
}

/** One message by its stream sequence; null when there is none (deleted, or never). */
export async function getRecord(jsm: JetStreamManager, stream: string, seq: number): Promise<StreamRecord | null> {
  const m = await jsm.streams.getMessage(stream, { seq });
  return m ? fromStored(stream, m) : null;
}

const SCAN_BATCH = 64;
const SCAN_IDLE_MS = 2_000;

/**
 * Messages in stream order, from the first up to `state.lastSeq` (the last one when the
 * scan began: what is written meanwhile, e.g. a replay that failed again, is left for the
 * next run), at most `limit`. An ordered consumer: no durable state left behind.
 */
export async function* scanStream(js: JetStreamClient, state: StreamState, limit = Number.POSITIVE_INFINITY): AsyncGenerator<StreamRecord> {
  if (state.count === 0 || limit <= 0) return;
  const consumer = await js.consumers.get(state.stream, { opt_start_seq: state.firstSeq, inactive_threshold: 30_000 });
  let yielded = 0;
  // Ask for no more than is there: a pull for more waits out its expiry.
  let pending = state.count;
  try {
    for (;;) {
      // Taken in full before anything is handed out: a slow caller (a replay awaiting each
      // PubAck) must not hold a pull request open past its expiry.
      const batch: JsMsg[] = [];
      for await (const m of await consumer.fetch({ max_messages: Math.max(1, Math.min(SCAN_BATCH, limit - yielded, pending)), expires: SCAN_IDLE_MS })) {
        batch.push(m);
      }
      for (const m of batch) {
        if (m.seq > state.lastSeq) return;
        yield fromJsMsg(state.stream, m);
        if (++yielded >= limit || m.seq === state.lastSeq) return;
      }
      // Nothing came (the tail was deleted meanwhile) or nothing is left after the last one.
      pending = batch.at(-1)?.info.pending ?? 0;
      if (pending === 0) return;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/** Shard numbers that have a consumer on the region's input stream (none when it is missing). */
export async function inputShards(jsm: JetStreamManager, region: string): Promise<Set<number>> {
  const shards = new Set<number>();
  try {
    for await (const ci of jsm.consumers.list(streamNames(region).input)) {
      const m = /^shard-(\d+)$/.exec(ci.name);
      if (m) shards.add(Number(m[1]));
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return shards;
}
