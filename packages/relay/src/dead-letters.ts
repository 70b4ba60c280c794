// An endpoint's dead letters: entries it refused (4xx) or that kept failing, copied to
// RELAYDLQ with the reason. An operator lists them and decides per entry: `skip` (the
// blocked key moves on) or `replay` (deliver it again); the decision is a key in the
// relay's bucket that the endpoint's owner picks up.
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import type { FeedEntry } from '@wamesh/client';
import { HEADER_DEAD_REASON } from '@wamesh/bus';
import { entryToken } from './entry-token.ts';
import { decodeRecord } from './feed-source.ts';
import type { Item } from './scheduler.ts';
import { RELAY_DLQ_STREAM, relayDlqSubject } from './topology.ts';

export type Decision = 'skip' | 'replay';

export interface DeadLetter {
  /** RELAYDLQ sequence. */
  seq: number;
  entry: FeedEntry;
  reason: string;
  attempts: number;
}

const HEADER_ATTEMPTS = 'Wamesh-Relay-Attempts';
const MAX_REASON_CHARS = 1_000;

const decisionKey = (endpoint: string, entryId: string): string => `dlq.${endpoint}.${entryToken(entryId)}`;

export interface DeadLetters {
  put(endpoint: string, item: Item, reason: string): Promise<void>;
  /** An operator's decision on an entry, if there is one. */
  decision(endpoint: string, entryId: string): Promise<Decision | undefined>;
  /** The decision was carried out. */
  clear(endpoint: string, entryId: string): Promise<void>;
}

export function createDeadLetters(nc: NatsConnection, kv: KV, timeoutMs = 5_000): DeadLetters {
  const js = jetstream(nc);
  return {
    async put(endpoint, item, reason) {
      const h = natsHeaders();
      h.set(HEADER_DEAD_REASON, reason.replace(/[\r\n]+/g, ' ').slice(0, MAX_REASON_CHARS));
      h.set(HEADER_ATTEMPTS, String(item.attempts));
      // One copy per entry, endpoint and round of attempts (a retried put is stored once); a
      // replayed entry that fails again starts a new round, so its new dead letter is kept too.
      const msgID = `${endpoint}:${item.entry.id}:${item.firstAttemptAt ?? 0}`;
      await js.publish(relayDlqSubject(endpoint), JSON.stringify(item.entry), { headers: h, msgID, timeout: timeoutMs });
    },
    async decision(endpoint, entryId) {
      const e = await kv.get(decisionKey(endpoint, entryId));
      const v = e?.operation === 'PUT' ? e.string() : undefined;
      return v === 'skip' || v === 'replay' ? v : undefined;
    },
    async clear(endpoint, entryId) {
      await kv.delete(decisionKey(endpoint, entryId));
    },
  };
}

/** The operator's side (a CLI's `dlq skip|replay`): records the decision for the endpoint's owner. */
export async function decideDeadLetter(kv: KV, endpoint: string, entryId: string, decision: Decision): Promise<void> {
  await kv.put(decisionKey(endpoint, entryId), decision);
}

/** Dead letters of an endpoint, oldest first (a CLI's `dlq list`). */
export async function listDeadLetters(nc: NatsConnection, endpoint: string): Promise<DeadLetter[]> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(RELAY_DLQ_STREAM, { filter_subjects: relayDlqSubject(endpoint) });
  const out: DeadLetter[] = [];
  if ((await consumer.info(true)).num_pending === 0) return out;
  const messages = await consumer.consume({ max_messages: 256 });
  for await (const m of messages) {
    const rec = decodeRecord(m.seq, m.data);
    if ('entry' in rec) {
      out.push({ seq: m.seq, entry: rec.entry, reason: m.headers?.get(HEADER_DEAD_REASON) ?? '', attempts: Number(m.headers?.get(HEADER_ATTEMPTS) ?? 0) });
    }
    if (m.info.pending === 0) break;
  }
  messages.stop();
  return out;
}
