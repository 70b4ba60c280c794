// One entry of the change feed as the relay POSTs it and a NATS reader gets it. Loose on
// purpose: fields added later reach old receivers intact, and `event`/`document` stay what
// Meta sent and what the store holds, not a copy of today's shapes.
import { z } from 'zod';

export const FEED_KINDS = ['message.received', 'message.late', 'status.advanced', 'status.merged', 'field'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

const object = z.record(z.string(), z.unknown());

export const feedEntrySchema = z.looseObject({
  /** Stable entry id: the `webhook-id`, the idempotency key downstream. */
  id: z.string().min(1),
  kind: z.enum(FEED_KINDS),
  /** Per-key ordering key: `conv:<phone_number_id>:<user>`, `msg:<wamid>`, `field:<id>`. */
  key: z.string().min(1),
  /** Per key, +1 per entry: a reader that sees n+2 after n knows it missed one. */
  seq: z.number().int().positive(),
  region: z.string().min(1),
  /** WhatsApp time (unix seconds); fields may have none. */
  whatsappTime: z.number().optional(),
  /** When the region's ingress received the webhook (unix ms). */
  receivedAt: z.number(),
  /** When the store committed the change (unix ms). */
  committedAt: z.number(),
  phoneNumberId: z.string().optional(),
  wabaId: z.string().optional(),
  /** The event as Meta sent it. */
  event: object,
  /** The resulting document (message or conversation). */
  document: object.optional(),
  traceparent: z.string().optional(),
  flags: z
    .looseObject({
      /** Delivered before an entry committed earlier (hold window: older WhatsApp time). */
      reordered: z.boolean().optional(),
      late: z.boolean().optional(),
      ambiguous: z.boolean().optional(),
      /** NATS reader: entries of the key before this one were still missing after the gap timeout. */
      gap: z.boolean().optional(),
      /** NATS reader: handed after a later entry of its key (it came after its gap timed out, or again after a lost ack). */
      behind: z.boolean().optional(),
    })
    .optional(),
});

export type FeedEntry = z.output<typeof feedEntrySchema>;
