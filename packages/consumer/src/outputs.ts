// What the consumer emits for downstream: applied inbound messages, in order, on
// `waout.<region>.ordered.<shard>`, stale ones on `waout.<region>.late` for review. Both are
// kept by WAOUT_<R>, whose subjects the input stream cannot capture, so an output can never
// be consumed as input.
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { encodeMeta } from '@wamesh/bus';
import { assertRegion, type Envelope, type MessageEvent, type Outcome } from '@wamesh/core';
import { injectTraceContext } from '@wamesh/telemetry';
import type { Context } from '@opentelemetry/api';

/** Outcome of the event, on every output. */
export const HEADER_OUTCOME = 'Wa-Outcome';
/** Late outputs: the event that beat this one and by how many WhatsApp seconds. */
export const HEADER_BEATEN_BY = 'Wa-Beaten-By';
export const HEADER_INVERSION_SECONDS = 'Wa-Inversion-Seconds';

export const orderedSubject = (region: string, shard: number): string => `waout.${region}.ordered.${shard}`;
export const lateSubject = (region: string): string => `waout.${region}.late`;

export interface OutputItem {
  envelope: Envelope<MessageEvent>;
  outcome: Outcome;
  shard: number;
  beatenBy?: { eventId: string; bySeconds: number };
  /** The consumer span's context: downstream spans continue the event's trace. */
  trace?: Context;
}

export type OutputStream = 'ordered' | 'late';

/** Where an inbound message goes: stale → late; applied or merged (same second, not older) → ordered. */
export function outputStreamOf(outcome: Outcome): OutputStream {
  return outcome === 'stale' ? 'late' : 'ordered';
}

export interface OutputPublisher {
  /** Publishes in the given order and resolves when every PubAck is in; rejects if any failed. */
  publish(items: OutputItem[]): Promise<{ ordered: number; late: number }>;
}

export function createOutputPublisher(js: JetStreamClient, region: string, timeoutMs = 5_000): OutputPublisher {
  assertRegion(region);
  return {
    async publish(items) {
      const counts = { ordered: 0, late: 0 };
      // Issued back to back on one connection, so the server stores them in this order;
      // msgID = event id lets WAOUT's duplicate window absorb a republish after a redelivery.
      const acks: Promise<PubAck>[] = items.map((item) => {
        const stream = outputStreamOf(item.outcome);
        counts[stream]++;
        const h = encodeMeta(item.envelope.meta, natsHeaders());
        if (item.trace) injectTraceContext(h, item.trace);
        h.set(HEADER_OUTCOME, item.outcome);
        if (item.beatenBy) {
          h.set(HEADER_BEATEN_BY, item.beatenBy.eventId);
          h.set(HEADER_INVERSION_SECONDS, String(item.beatenBy.bySeconds));
        }
        const subject = stream === 'late' ? lateSubject(region) : orderedSubject(region, item.shard);
        return js.publish(subject, JSON.stringify(item.envelope.event), {
          headers: h,
          msgID: item.envelope.event.id,
          timeout: timeoutMs,
        });
      });
      await Promise.all(acks);
      return counts;
    },
  };
}
