// Replaying the quarantine after an upgrade: each body's exact bytes go through the current
// parser again, and only what lies under the parts rejected back then is looked at (the rest
// of the body was stored when it arrived). What parses now is published with the body's
// original meta; once every PubAck is in, the record is deleted, or, when some of it still
// fails, replaced by a record with the new reasons.
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  createPublisher,
  decodeQuarantined,
  fieldRecordOf,
  type Publisher,
  type QuarantinedBody,
  quarantineRecordOf,
} from '@wamesh/bus';
import {
  type EventMeta,
  type FieldEvent,
  quarantineId,
  type RejectedPart,
  type Split,
  splitBody,
  splitUnder,
  splitWebhook,
  streamNames,
  type WaEvent,
} from '@wamesh/core';
import { CliError } from '../errors.ts';
import { getRecord, inputShards, type StreamRecord, type StreamReplayOptions, scanStream } from '../streams.ts';
import { quarantineState } from './items.ts';

/** A webhook parser: core's splitWebhook, or (in tests) an older or newer one. */
export type WebhookParser = (json: unknown, shards: number) => Split;

export interface ReplayPlan {
  events: WaEvent[];
  fields: FieldEvent[];
  /** What still fails under the old paths: the parts of the record that replaces this one. */
  rejected: RejectedPart[];
  /** Nothing under the old paths parses now and the reasons are the same: the record stays as it is. */
  unchanged: boolean;
}

/** What a replay of one quarantined body would publish, and what would stay in quarantine. */
export function replayPlan(body: QuarantinedBody, shards: number, parse: WebhookParser = splitWebhook): ReplayPlan {
  // The header's list of parts is bounded: when it was cut (or is missing), the old paths are
  // not all known and the whole body is replayed. The parts stored back then go out again
  // under their deterministic ids: JetStream or the consumer's event log drops the copies.
  const known = body.rejected.length > 0 && body.count <= body.rejected.length;
  const now = splitUnder(splitBody(body.raw, shards, parse), known ? body.rejected.map((p) => p.path) : ['body']);
  const unchanged = known && now.events.length === 0 && now.fields.length === 0 && sameParts(now.rejected, body.rejected);
  return { events: now.events, fields: now.fields, rejected: now.rejected, unchanged };
}

const sameParts = (a: RejectedPart[], b: RejectedPart[]) =>
  a.length === b.length && a.every((p, i) => p.path === b[i]!.path && p.reason === b[i]!.reason);

/**
 * Nats-Msg-Id of the record that replaces quarantine message `seq`. Not the body's hash (the
 * original's id): within the duplicate window it would be dropped, and the body lost with
 * the delete. An interrupted replay run again sends the same id, which JetStream drops.
 */
export const requarantineMsgId = (raw: Uint8Array, seq: number): string => `${quarantineId(raw)}:r${seq}`;

export type QuarantineAction = 'replayed' | 'requarantined' | 'unchanged' | 'failed' | 'not-found';

export interface QuarantineReplayItem {
  seq: number;
  action: QuarantineAction;
  /** Events and field events published from the parts that parse now. */
  events: number;
  fields: number;
  /** Of those, how many the streams already had (an earlier, interrupted run). */
  duplicates: number;
  /** The parts that still fail (requarantined, unchanged). */
  rejected: RejectedPart[];
  /** The replacing record's Nats-Msg-Id (requarantined). */
  msgId?: string;
  reason?: string;
}

export interface QuarantineTally {
  replayed: number;
  requarantined: number;
  unchanged: number;
  failed: number;
  notFound: number;
  /** Bodies left in quarantine after the run. */
  remaining: number;
}

export interface RegionQuarantineReplay {
  region: string;
  stream: string;
  shards: number;
  items: QuarantineReplayItem[];
  tally: QuarantineTally;
  /** Set when a failure stopped the region's replay early. */
  stoppedBy?: string;
}

export interface QuarantineReplayOptions extends StreamReplayOptions<QuarantineReplayItem> {
  /** The parser (default core's splitWebhook, i.e. the code running now). */
  parse?: WebhookParser;
}

export const emptyQuarantineTally = (): QuarantineTally => ({
  replayed: 0,
  requarantined: 0,
  unchanged: 0,
  failed: 0,
  notFound: 0,
  remaining: 0,
});

const TALLY_OF: Record<QuarantineAction, Exclude<keyof QuarantineTally, 'remaining'>> = {
  replayed: 'replayed',
  requarantined: 'requarantined',
  unchanged: 'unchanged',
  failed: 'failed',
  'not-found': 'notFound',
};

export async function replayQuarantine(nc: NatsConnection, region: string, opts: QuarantineReplayOptions = {}): Promise<RegionQuarantineReplay> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const state = await quarantineState(jsm, region);
  const shards = await shardCount(jsm, region);
  const publisher = createPublisher(nc, { timeoutMs: opts.timeoutMs ?? 10_000 });
  const out: RegionQuarantineReplay = { region, stream: state.stream, shards, items: [], tally: emptyQuarantineTally() };
  const record = (item: QuarantineReplayItem) => {
    out.items.push(item);
    out.tally[TALLY_OF[item.action]]++;
    opts.onItem?.(item);
  };
  const none = { events: 0, fields: 0, duplicates: 0, rejected: [] };

  const records = opts.seqs ? bySeq(jsm, state.stream, opts.seqs, (seq) => record({ seq, action: 'not-found', ...none, reason: `no message ${seq} in ${state.stream}` })) : scanStream(js, state);
  for await (const rec of records) {
    const item = await replayOne(rec, region, shards, publisher, jsm, opts.parse);
    record(item);
    if (item.action === 'failed') {
      out.stoppedBy = item.reason!;
      break;
    }
  }
  out.tally.remaining = (await quarantineState(jsm, region)).count;
  return out;
}

async function replayOne(
  rec: StreamRecord,
  region: string,
  shards: number,
  publisher: Publisher,
  jsm: JetStreamManager,
  parse: WebhookParser | undefined,
): Promise<QuarantineReplayItem> {
  const body = decodeQuarantined(rec.data, rec.headers);
  const plan = replayPlan(body, shards, parse);
  const base = { seq: rec.seq, events: plan.events.length, fields: plan.fields.length, duplicates: 0, rejected: plan.rejected };
  if (plan.unchanged) return { ...base, action: 'unchanged' };
  // The ingress writes both headers; without them the stream's region and store time stand in.
  const meta: EventMeta = body.meta.region ? body.meta : { region, receivedAt: rec.storedAt.getTime() };
  const msgId = plan.rejected.length ? requarantineMsgId(rec.data, rec.seq) : undefined;
  try {
    const [events, fields] = await Promise.all([
      publisher.publish(plan.events.map((event) => ({ event, meta }))),
      publisher.publishRecords(plan.fields.map((f) => fieldRecordOf(f, meta))),
      publisher.publishRecords(msgId ? [quarantineRecordOf(rec.data, plan.rejected, meta, msgId)] : []),
    ]);
    base.duplicates = events.duplicates + fields.duplicates;
  } catch (err) {
    return { ...base, action: 'failed', reason: `publish failed: ${(err as Error).message}; left in quarantine as it was` };
  }
  try {
    // Only after every PubAck: until then this record is the only copy of those parts.
    await jsm.streams.deleteMessage(rec.stream, rec.seq, false);
  } catch (err) {
    return {
      ...base,
      action: 'failed',
      reason: `published but not deleted from ${rec.stream}: ${(err as Error).message}; a re-run publishes the same ids, which are dropped as duplicates`,
    };
  }
  return msgId ? { ...base, action: 'requarantined', msgId } : { ...base, action: 'replayed' };
}

/**
 * The shard count the ingress splits with: the shard consumers on the input stream are
 * `shard-0` … `shard-<n-1>`. Without them a replay would put events where nothing reads them.
 */
async function shardCount(jsm: JetStreamManager, region: string): Promise<number> {
  const shards = await inputShards(jsm, region);
  const n = shards.size;
  if (n === 0 || ![...shards].every((s) => s < n)) {
    throw new CliError('E_NOT_FOUND', `no shard consumers shard-0…shard-<n-1> on ${streamNames(region).input}: provision region ${region} first`);
  }
  return n;
}

/** The given sequences; a missing one is reported through `missing`. */
async function* bySeq(jsm: JetStreamManager, stream: string, seqs: number[], missing: (seq: number) => void): AsyncGenerator<StreamRecord> {
  for (const seq of seqs) {
    const rec = await getRecord(jsm, stream, seq);
    if (rec) yield rec;
    else missing(seq);
  }
}
