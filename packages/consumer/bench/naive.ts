// The seeds' way, as the baseline: one read-modify-write per event, serialized by a Redis
// lock per key (SET NX PX, then DEL), state in NATS KV buckets without compare-and-set.
// The merge itself is core's join, so any difference in the result comes from the write
// path, not from different rules.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { BatchHandler, Verdict } from '@wamesh/bus';
import { sleep } from '@wamesh/bus';
import {
  applyMessage,
  applyStatus,
  type ConversationDoc,
  type Envelope,
  inboundOf,
  joinMessageDocs,
  logEntryOf,
  type MessageDoc,
  type MessageEvent,
  type Outcome,
  type StatusEvent,
} from '@wamesh/core';
import type { StateStore } from '@wamesh/store';
import type { Redis } from 'ioredis';
import { decodeMessage } from '../src/decode.ts';

export interface NaiveStore {
  messages: KV;
  conversations: KV;
  getMessage(wamid: string): Promise<MessageDoc | null>;
  getConversation(phoneNumberId: string, waId: string): Promise<ConversationDoc | null>;
}

const token = (s: string) => Buffer.from(s, 'utf8').toString('base64url') || '_';

async function readDoc<T>(kv: KV, key: string): Promise<T | null> {
  const e = await kv.get(key);
  return e && e.operation === 'PUT' ? e.json<T>() : null;
}

export async function openNaiveStore(nc: NatsConnection, prefix: string): Promise<NaiveStore> {
  const kvm = new Kvm(nc);
  const messages = await kvm.create(`${prefix}_messages`, { history: 1 });
  const conversations = await kvm.create(`${prefix}_conversations`, { history: 1 });
  return {
    messages,
    conversations,
    getMessage: (wamid) => readDoc<MessageDoc>(messages, token(wamid)),
    getConversation: (phone, waId) => readDoc<ConversationDoc>(conversations, `${token(phone)}.${token(waId)}`),
  };
}

export interface NaiveStats {
  lockWaits: number;
  lockFailures: number;
}

export interface NaiveOptions {
  /** Also append each event to this store's event log, one call per event (what wamesh logs per batch). */
  log?: StateStore;
  lockTtlMs?: number;
}

export function naiveHandler(redis: Redis, store: NaiveStore, stats: NaiveStats, opts: NaiveOptions = {}): BatchHandler {
  const lockTtlMs = opts.lockTtlMs ?? 2_000;
  async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = `wamesh:bench:lock:${key}`;
    for (let attempt = 0; ; attempt++) {
      if ((await redis.set(lockKey, '1', 'PX', lockTtlMs, 'NX')) === 'OK') break;
      stats.lockWaits++;
      if (attempt > 500) {
        stats.lockFailures++;
        throw new Error(`lock ${key} not acquired`);
      }
      await sleep(2);
    }
    try {
      return await fn();
    } finally {
      await redis.del(lockKey);
    }
  }

  /** Read, change and write back one document under its lock (no compare-and-set: the lock is all). */
  function rewrite<D, A extends { doc: D }>(kv: KV, lock: string, key: string, change: (before: D | null) => A): Promise<A> {
    return withLock(lock, async () => {
      const applied = change(await readDoc<D>(kv, key));
      await kv.put(key, JSON.stringify(applied.doc));
      return applied;
    });
  }

  async function applyOne(envelope: Envelope): Promise<void> {
    const { event } = envelope;
    if (event.kind === 'status') {
      const key = token(event.wamid);
      const { outcome } = await rewrite(store.messages, `m:${key}`, key, (before: MessageDoc | null) =>
        applyStatus(before, envelope as Envelope<StatusEvent>),
      );
      await log(envelope, outcome);
      return;
    }
    const ckey = `${token(event.phoneNumberId)}.${token(event.userKey)}`;
    const { outcome } = await rewrite(store.conversations, `c:${ckey}`, ckey, (before: ConversationDoc | null) =>
      applyMessage(before, envelope as Envelope<MessageEvent>),
    );
    await log(envelope, outcome);
    const mkey = token(event.wamid);
    const own = inboundOf(envelope as Envelope<MessageEvent>);
    await rewrite(store.messages, `m:${mkey}`, mkey, (before: MessageDoc | null) => ({
      doc: before ? joinMessageDocs(before, own) : own,
    }));
  }

  async function log(envelope: Envelope, outcome: Outcome): Promise<void> {
    if (opts.log) await opts.log.appendLog([logEntryOf(envelope, { outcome }, Date.now())]);
  }

  return async (_shard, batch) => {
    const out: Verdict[] = [];
    for (const msg of batch) {
      const decoded = decodeMessage(msg);
      if (!decoded.ok) {
        out.push({ kind: 'terminal', reason: decoded.reason });
        continue;
      }
      try {
        await applyOne(decoded.envelope);
        out.push({ kind: 'ok' });
      } catch (err) {
        out.push({ kind: 'retryable', reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  };
}
