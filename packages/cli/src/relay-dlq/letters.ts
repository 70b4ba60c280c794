// The relay's dead letters (stream RELAYDLQ, one subject per endpoint) as an operator
// handles them: listed with any decision the relay has not carried out yet; a decision
// (skip / replay) is recorded for the endpoint's owner, awaited, and the dead letter is
// deleted only once the relay has taken it. The relay owns the formats: this module goes
// through its exported functions only.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { sleep } from '@wamesh/bus';
import {
  createDeadLetters,
  type DeadLetter,
  type Decision,
  decideDeadLetter,
  listDeadLetters,
  RELAY_BUCKET,
  RELAY_DLQ_STREAM,
  relayDlqSubject,
} from '@wamesh/relay';
import { CliError } from '../errors.ts';
import { isNotFound } from '../streams.ts';

/** A dead letter as `relay dlq list` shows it. */
export interface ListedRelayDeadLetter {
  /** RELAYDLQ sequence: what `replay` and `skip` take. */
  seq: number;
  endpoint: string;
  entryId: string;
  kind: string;
  key: string;
  /** The entry's per-key feed number. */
  feedSeq: number;
  region: string;
  committedAt: string;
  attempts: number;
  reason: string;
  /** A decision recorded that the relay has not carried out yet. */
  pending: Decision | null;
}

export type DecisionAction = 'replayed' | 'skipped' | 'pending' | 'not-found';

export interface DecisionResult {
  seq: number;
  action: DecisionAction;
  endpoint?: string;
  entryId?: string;
  key?: string;
  /** Other RELAYDLQ copies of the same entry, deleted with it. */
  alsoDeleted?: number[];
}

const ENDPOINT_PREFIX = relayDlqSubject('');

/** Endpoints with dead letters (or just `only`); E_NOT_FOUND when no relay ever ran on this NATS. */
async function endpointsWithDeadLetters(jsm: JetStreamManager, only?: string): Promise<string[]> {
  try {
    const info = await jsm.streams.info(RELAY_DLQ_STREAM, { subjects_filter: relayDlqSubject('*') });
    if (only !== undefined) return [only];
    return Object.keys(info.state.subjects ?? {})
      .map((s) => s.slice(ENDPOINT_PREFIX.length))
      .sort();
  } catch (err) {
    if (isNotFound(err)) throw new CliError('E_NOT_FOUND', `no stream ${RELAY_DLQ_STREAM} on this NATS: has a relay run here?`);
    throw err;
  }
}

/** Endpoints with dead letters (or just `endpoint`), and their dead letters, oldest first per endpoint, with the relay's pending decisions. */
export async function listRelayDeadLetters(nc: NatsConnection, endpoint?: string): Promise<{ endpoints: string[]; letters: ListedRelayDeadLetter[] }> {
  const endpoints = await endpointsWithDeadLetters(await jetstreamManager(nc), endpoint);
  const decisions = createDeadLetters(nc, await new Kvm(nc).open(RELAY_BUCKET));
  const letters: ListedRelayDeadLetter[] = [];
  for (const ep of endpoints) {
    for (const dl of await listDeadLetters(nc, ep)) letters.push({ ...viewOf(ep, dl), pending: (await decisions.decision(ep, dl.entry.id)) ?? null });
  }
  return { endpoints, letters };
}

function viewOf(endpoint: string, dl: DeadLetter): Omit<ListedRelayDeadLetter, 'pending'> {
  const e = dl.entry;
  return {
    seq: dl.seq,
    endpoint,
    entryId: e.id,
    kind: e.kind,
    key: e.key,
    feedSeq: e.seq,
    region: e.region,
    committedAt: new Date(e.committedAt).toISOString(),
    attempts: dl.attempts,
    reason: dl.reason,
  };
}

export interface DecideOptions {
  /** Only dead letters of this endpoint. */
  endpoint?: string;
  /** How long to wait for the relay to take each decision. */
  waitMs: number;
  pollMs?: number;
}

/**
 * Records `decision` for each dead letter named by its RELAYDLQ seq, then waits until the
 * endpoint's owner has carried it out (it deletes the decision when it has). Only then is
 * the dead letter deleted: one the relay did not take stays listed, its decision pending.
 */
export async function decideRelayDeadLetters(nc: NatsConnection, seqs: number[], decision: Decision, opts: DecideOptions): Promise<DecisionResult[]> {
  const { letters: listed } = await listRelayDeadLetters(nc, opts.endpoint);
  const bySeq = new Map(listed.map((l) => [l.seq, l]));
  const kv = await new Kvm(nc).open(RELAY_BUCKET);
  const decisions = createDeadLetters(nc, kv);
  const jsm = await jetstreamManager(nc);
  const asked = [...new Set(seqs)];
  const taken: DecisionAction = decision === 'skip' ? 'skipped' : 'replayed';
  for (const seq of asked) {
    const l = bySeq.get(seq);
    if (l) await decideDeadLetter(kv, l.endpoint, l.entryId, decision);
  }
  const deadline = Date.now() + opts.waitMs;
  const results: DecisionResult[] = [];
  const deleted = new Set<number>();
  for (const seq of asked) {
    const l = bySeq.get(seq);
    if (!l) {
      results.push({ seq, action: 'not-found' });
      continue;
    }
    const item = { seq, endpoint: l.endpoint, entryId: l.entryId, key: l.key };
    if (deleted.has(seq)) {
      // A copy of an entry named before: it went with that one.
      results.push({ ...item, action: taken });
      continue;
    }
    while ((await decisions.decision(l.endpoint, l.entryId)) !== undefined && Date.now() < deadline) await sleep(opts.pollMs ?? 100);
    if ((await decisions.decision(l.endpoint, l.entryId)) !== undefined) {
      results.push({ ...item, action: 'pending' });
      continue;
    }
    // A relay that failed again after a long while dead-lettered the entry once more: every
    // copy of it goes with the decision taken.
    const copies = listed.filter((x) => x.endpoint === l.endpoint && x.entryId === l.entryId).map((x) => x.seq);
    for (const s of copies) {
      await jsm.streams.deleteMessage(RELAY_DLQ_STREAM, s, false);
      deleted.add(s);
    }
    const alsoDeleted = copies.filter((s) => s !== seq);
    results.push({ ...item, action: taken, ...(alsoDeleted.length ? { alsoDeleted } : {}) });
  }
  return results;
}
