// Replaying dead letters: each goes back to the input subject it came from, with its original
// headers, and leaves the DLQ only once the input stream acknowledged the copy. Only input
// subjects of the DLQ's own region are replayed, so nothing else can ever become an input.
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT, shardConsumerName } from '@wamesh/bus';
import { streamNames } from '@wamesh/core';
import { getRecord, header, inputShards, scanStream, type StreamReplayOptions, type StreamState } from '../streams.ts';
import { type DeadLetter, dlqState, eventFields } from './letters.ts';

const INPUT_SUBJECT = /^wa\.([^.]+)\.(msg|status)\.(\d+)$/;

/**
 * Why a dead letter of `region` must not be replayed, or null when it may: its original subject
 * must be `wa.<region>.msg.<n>` or `wa.<region>.status.<n>` with a shard consumer `shard-<n>`
 * on the region's input stream (else nothing would ever consume the copy).
 */
export function refusal(region: string, originalSubject: string | null, shards: ReadonlySet<number>): string | null {
  if (!originalSubject) return `no ${HEADER_DEAD_SUBJECT} header: not written by the consumer's dead-letterer`;
  const m = INPUT_SUBJECT.exec(originalSubject);
  if (!m) {
    return `${originalSubject} is not an input subject (wa.${region}.msg.<n> / wa.${region}.status.<n>); other subjects are never replayed`;
  }
  if (m[1] !== region) return `${originalSubject} is an input subject of region ${m[1]}, not of ${region}`;
  const shard = Number(m[3]);
  if (!shards.has(shard)) return `no shard consumer ${shardConsumerName(shard)} on ${streamNames(region).input} to take ${originalSubject}`;
  return null;
}

/**
 * Nats-Msg-Id of a replay. Not the event id: the original publish used that, and a replay
 * within the input stream's duplicate window would be dropped as its duplicate. Instead
 * `<eventId>:replay:<dlqSeq>`, so a replay of a replay interrupted before the delete is the
 * one that JetStream drops; the consumer records the event once anyway (event log by event
 * id) and its writes are joins.
 */
export function replayMsgId(dl: Pick<DeadLetter, 'stream' | 'seq' | 'data'>): string {
  return `${eventFields(dl.data).eventId ?? dl.stream}:replay:${dl.seq}`;
}

/** The original headers (trace context, region, receive time…) without the DLQ's own and Nats-*. */
export function replayHeaders(src: MsgHdrs | undefined): MsgHdrs {
  const h = natsHeaders();
  const drop = new Set([HEADER_DEAD_REASON.toLowerCase(), HEADER_DEAD_SUBJECT.toLowerCase()]);
  for (const key of src?.keys() ?? []) {
    const k = key.toLowerCase();
    // Nats-* steer JetStream (the DLQ copy's own dedup id among them): never carried over.
    if (k.startsWith('nats-') || drop.has(k)) continue;
    for (const value of src!.values(key)) h.append(key, value);
  }
  return h;
}

export type ReplayAction = 'replayed' | 'already-replayed' | 'would-replay' | 'refused' | 'failed' | 'not-found';

export interface ReplayItem {
  seq: number;
  action: ReplayAction;
  originalSubject: string | null;
  eventId: string | null;
  msgId?: string;
  /** Where the copy landed in the input stream. */
  inputSeq?: number;
  reason?: string;
}

export interface ReplayTally {
  replayed: number;
  /** The input stream already had this replay (same msg id, an earlier run stopped before the delete). */
  alreadyReplayed: number;
  wouldReplay: number;
  refused: number;
  failed: number;
  notFound: number;
  /** Messages left in the DLQ after the run. */
  remaining: number;
}

export interface RegionReplay {
  region: string;
  stream: string;
  input: string;
  items: ReplayItem[];
  tally: ReplayTally;
  /** Set when a failure stopped the region's replay early. */
  stoppedBy?: string;
}

export interface ReplayOptions extends StreamReplayOptions<ReplayItem> {
  dryRun: boolean;
}

export const emptyTally = (): ReplayTally => ({
  replayed: 0,
  alreadyReplayed: 0,
  wouldReplay: 0,
  refused: 0,
  failed: 0,
  notFound: 0,
  remaining: 0,
});

const TALLY_OF: Record<ReplayAction, Exclude<keyof ReplayTally, 'remaining'>> = {
  replayed: 'replayed',
  'already-replayed': 'alreadyReplayed',
  'would-replay': 'wouldReplay',
  refused: 'refused',
  failed: 'failed',
  'not-found': 'notFound',
};

export async function replayRegion(nc: NatsConnection, region: string, opts: ReplayOptions): Promise<RegionReplay> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const names = streamNames(region);
  const state = await dlqState(jsm, region);
  const shards = await inputShards(jsm, region);
  const out: RegionReplay = { region, stream: state.stream, input: names.input, items: [], tally: emptyTally() };
  const record = (item: ReplayItem) => {
    out.items.push(item);
    out.tally[TALLY_OF[item.action]]++;
    opts.onItem?.(item);
  };

  for await (const dl of selected(js, jsm, state, opts.seqs, record)) {
    const originalSubject = header(dl.headers, HEADER_DEAD_SUBJECT);
    const base = { seq: dl.seq, originalSubject, eventId: eventFields(dl.data).eventId };
    const why = refusal(region, originalSubject, shards);
    if (why) {
      record({ ...base, action: 'refused', reason: why });
      continue;
    }
    const msgId = replayMsgId(dl);
    if (opts.dryRun) {
      record({ ...base, action: 'would-replay', msgId });
      continue;
    }
    let inputSeq: number;
    let duplicate: boolean;
    try {
      // expect.streamName: the copy must land in the region's input stream and nowhere else.
      const ack = await js.publish(originalSubject!, dl.data, {
        msgID: msgId,
        headers: replayHeaders(dl.headers),
        timeout: opts.timeoutMs ?? 5_000,
        expect: { streamName: names.input },
      });
      inputSeq = ack.seq;
      duplicate = ack.duplicate;
    } catch (err) {
      const reason = `publish to ${originalSubject} failed: ${(err as Error).message}; left in ${state.stream}`;
      record({ ...base, action: 'failed', msgId, reason });
      out.stoppedBy = reason;
      break;
    }
    try {
      // Only after the PubAck: until then the DLQ copy is the only one.
      await jsm.streams.deleteMessage(state.stream, dl.seq, false);
    } catch (err) {
      const reason =
        `replayed (${names.input} seq ${inputSeq}) but not deleted from ${state.stream}: ${(err as Error).message}; ` +
        'a re-run republishes it with the same msg id, which JetStream drops within its duplicate window (the event log dedupes after)';
      record({ ...base, action: 'failed', msgId, inputSeq, reason });
      out.stoppedBy = reason;
      break;
    }
    record({ ...base, action: duplicate ? 'already-replayed' : 'replayed', msgId, inputSeq });
  }
  out.tally.remaining = (await dlqState(jsm, region)).count;
  return out;
}

/** The given sequences (a missing one is recorded as not-found), or the whole stream. */
async function* selected(
  js: JetStreamClient,
  jsm: JetStreamManager,
  state: StreamState,
  seqs: number[] | undefined,
  record: (item: ReplayItem) => void,
): AsyncGenerator<DeadLetter> {
  if (!seqs) {
    yield* scanStream(js, state);
    return;
  }
  for (const seq of seqs) {
    const dl = await getRecord(jsm, state.stream, seq);
    if (dl) yield dl;
    else record({ seq, action: 'not-found', originalSubject: null, eventId: null, reason: `no message ${seq} in ${state.stream}` });
  }
}
