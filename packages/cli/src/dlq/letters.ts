// Reading the dead-letter stream WADLQ_<R>: every message as the bus dead-letterer wrote it
// (reason, original subject, original headers minus Nats-*, original payload), plus what an
// operator wants to see of it.
import type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from '@nats-io/jetstream';
import { Match, millis, type MsgHdrs } from '@nats-io/nats-core';
import { HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT, HEADER_RECEIVED_AT, HEADER_REGION, HEADER_TRACEPARENT } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { CliError } from '../errors.ts';

/** One message of a dead-letter stream, whichever way it was read. */
export interface DeadLetter {
  stream: string;
  seq: number;
  /** Where it sits in the DLQ: `wadlq.<region>.<shard>`. */
  subject: string;
  /** When the DLQ stored it, i.e. when it was dead-lettered. */
  deadAt: Date;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
}

/** What `dlq list` shows of a dead letter. */
export interface DeadLetterView {
  seq: number;
  subject: string;
  /** `Wa-Dead-Subject`: the input subject it came from; null when the header is missing. */
  originalSubject: string | null;
  reason: string | null;
  /** The event's `id` from the payload; null when the payload is not an event (poison). */
  eventId: string | null;
  kind: string | null;
  wamid: string | null;
  /** `Wa-Region`: the region whose ingress received it. */
  receivedIn: string | null;
  /** `Wa-Received-At` as ISO time. */
  receivedAt: string | null;
  traceparent: string | null;
  deadAt: string;
  bytes: number;
}

export interface DlqStreamState {
  region: string;
  stream: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
}

export const header = (h: MsgHdrs | undefined, key: string): string | null => h?.get(key, Match.IgnoreCase) || null;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload's event fields, when it is JSON with a string `id`; poison payloads give nulls. */
export function eventFields(data: Uint8Array): { eventId: string | null; kind: string | null; wamid: string | null } {
  try {
    const v = JSON.parse(utf8.decode(data)) as Record<string, unknown> | null;
    const s = (x: unknown) => (typeof x === 'string' && x ? x : null);
    if (v && typeof v === 'object') return { eventId: s(v.id), kind: s(v.kind), wamid: s(v.wamid) };
  } catch {
    // not JSON (or not UTF-8): a poison message, shown without event fields
  }
  return { eventId: null, kind: null, wamid: null };
}

export function viewOf(dl: DeadLetter): DeadLetterView {
  const at = Number(header(dl.headers, HEADER_RECEIVED_AT));
  return {
    seq: dl.seq,
    subject: dl.subject,
    originalSubject: header(dl.headers, HEADER_DEAD_SUBJECT),
    reason: header(dl.headers, HEADER_DEAD_REASON),
    ...eventFields(dl.data),
    receivedIn: header(dl.headers, HEADER_REGION),
    receivedAt: Number.isSafeInteger(at) && at > 0 ? new Date(at).toISOString() : null,
    traceparent: header(dl.headers, HEADER_TRACEPARENT),
    deadAt: dl.deadAt.toISOString(),
    bytes: dl.data.length,
  };
}

const fromStored = (stream: string, m: StoredMsg): DeadLetter => ({
  stream,
  seq: m.seq,
  subject: m.subject,
  deadAt: m.time,
  headers: m.header,
  data: m.data,
});

const fromJsMsg = (stream: string, m: JsMsg): DeadLetter => ({
  stream,
  seq: m.seq,
  subject: m.subject,
  deadAt: new Date(millis(m.info.timestampNanos)),
  headers: m.headers,
  data: m.data,
});

const isNotFound = (err: unknown) => (err as { code?: unknown })?.code === 10059 || /stream not found/i.test(String((err as Error)?.message));

/** Count and sequence range of a region's DLQ; NOT_FOUND when the region was never provisioned. */
export async function dlqState(jsm: JetStreamManager, region: string): Promise<DlqStreamState> {
  const stream = streamNames(region).dead;
  try {
    const { state } = await jsm.streams.info(stream);
    return { region, stream, count: state.messages, firstSeq: state.first_seq, lastSeq: state.last_seq };
  } catch (err) {
    if (isNotFound(err)) throw new CliError('NOT_FOUND', `no stream ${stream}: is region ${region} provisioned? (wamesh provision)`);
    throw err;
  }
}

/** Regions that have a dead-letter stream, from its subjects `wadlq.<region>.>`. */
export async function discoverRegions(jsm: JetStreamManager): Promise<string[]> {
  const regions: string[] = [];
  for await (const si of jsm.streams.list()) {
    if (!si.config.name.startsWith('WADLQ_')) continue;
    for (const subject of si.config.subjects ?? []) {
      const m = /^wadlq\.([^.*>]+)\.>$/.exec(subject);
      if (m && streamNames(m[1]!).dead === si.config.name) regions.push(m[1]!);
    }
  }
  return regions.sort();
}

/** One dead letter by its stream sequence; null when there is none (replayed, or never). */
export async function getDeadLetter(jsm: JetStreamManager, stream: string, seq: number): Promise<DeadLetter | null> {
  const m = await jsm.streams.getMessage(stream, { seq });
  return m ? fromStored(stream, m) : null;
}

const SCAN_BATCH = 64;
const SCAN_IDLE_MS = 2_000;

/**
 * Dead letters in stream order, from the first up to `state.lastSeq` (the last one when the
 * scan began: what is dead-lettered meanwhile, e.g. a replay that failed again, is left for
 * the next run), at most `limit`. An ordered consumer: no durable state left behind.
 */
export async function* scanDeadLetters(
  js: JetStreamClient,
  state: DlqStreamState,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<DeadLetter> {
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
