// Poison messages leave the input stream for WADLQ_<R> with the reason, the original subject,
// headers and payload, so an operator can inspect and replay them. Nothing is termed before
// the dead-letter stream acknowledged the copy.
import type { JetStreamClient, JsMsg, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { assertRegion } from '@wamesh/core';
import { HEADER_DEAD_REASON, HEADER_DEAD_SUBJECT } from './headers.ts';

/** Header values must stay on one line and reasonably small (zod messages can be long). */
const MAX_REASON_CHARS = 1_000;

/** `wadlq.<region>.<shard>`: kept by stream WADLQ_<REGION>. */
export function deadLetterSubject(region: string, shard: number): string {
  assertRegion(region);
  return `wadlq.${region}.${shard}`;
}

export interface DeadLetterer {
  /** Publishes the copy and resolves with its PubAck; the caller terms the original after. */
  deadLetter(msg: JsMsg, shard: number, reason: string): Promise<PubAck>;
}

export function createDeadLetterer(js: JetStreamClient, region: string, timeoutMs = 5_000): DeadLetterer {
  assertRegion(region);
  return {
    async deadLetter(msg, shard, reason) {
      const h = natsHeaders();
      if (msg.headers) {
        for (const key of msg.headers.keys()) {
          // Nats-* headers steer JetStream (dedup id, expectations): keep them out of the copy.
          if (key.toLowerCase().startsWith('nats-')) continue;
          for (const value of msg.headers.values(key)) h.append(key, value);
        }
      }
      h.set(HEADER_DEAD_REASON, oneLine(reason));
      h.set(HEADER_DEAD_SUBJECT, msg.subject);
      // Deterministic id: a crash between the PubAck and term() redelivers the original,
      // and the second copy falls into the DLQ stream's duplicate window.
      const msgID = `${msg.info.stream}:${msg.info.streamSequence}`;
      return js.publish(deadLetterSubject(region, shard), msg.data, { headers: h, msgID, timeout: timeoutMs });
    },
  };
}

function oneLine(reason: string): string {
  const flat = reason.replace(/[\r\n]+/g, ' ').trim() || 'unspecified';
  return flat.length > MAX_REASON_CHARS ? `${flat.slice(0, MAX_REASON_CHARS - 1)}…` : flat;
}
