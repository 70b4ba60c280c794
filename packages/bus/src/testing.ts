// Envelopes for the bus tests, built the way the ingress builds them (core's builder and
// normalize), so subjects, shards and ids are the real ones.
import { type Envelope, type WaEvent, webhookEvents } from '@wamesh/core';

export const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** n inbound messages and n statuses from distinct users and wamids, as envelopes of `region`. */
export function sampleEnvelopes(region: string, n: number, shards = 16, tag = 'a'): Envelope<WaEvent>[] {
  const events = webhookEvents(
  [
    {
      wabaId: 'waba-1',
      changes: [
        {
          phoneNumberId: '1000',
          messages: Array.from({ length: n }, (_, i) => ({ from: `4917${i}`, id: `wamid.in.${tag}.${i}`, timestamp: 1_700_000_000 + i })),
          statuses: Array.from({ length: n }, (_, i) => ({
            id: `wamid.out.${tag}.${i}`,
            status: 'delivered',
            timestamp: 1_700_000_000 + i,
            recipientId: `4917${i}`,
          })),
        },
      ],
    },
  ], shards);
  const receivedAt = 1_700_000_123_456;
  return events.map((event, i) => ({
    event,
    meta: i % 2 === 0 ? { region, receivedAt, traceparent: TRACEPARENT, tracestate: 'wamesh=1' } : { region, receivedAt },
  }));
}
