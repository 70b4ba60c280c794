// zod schemas for the WhatsApp Cloud API webhook as Meta documents it. Every object is
// loose: fields Meta adds later are kept, never stripped or rejected. Unknown message types
// and unknown status values are accepted; only the fields wamesh relies on are required.
import { z } from 'zod';

/** Unix seconds as Meta sends them (a string of digits); providers sending an integer are tolerated. */
export const unixSecondsSchema = z.union(
  [z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()],
  { error: 'expected Unix seconds (a string of digits)' },
);

/**
 * A status value: any token, so future statuses are recorded. It must be a word because it
 * becomes a document key (no `.`, `$` or `__proto__`).
 */
export const statusNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'expected a status word like "delivered"');

const loose = z.looseObject({});
const media = z.looseObject({
  id: z.string().optional(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
});
export const contextSchema = z.looseObject({
  from: z.string().optional(),
  id: z.string().optional(),
  forwarded: z.boolean().optional(),
  frequently_forwarded: z.boolean().optional(),
  referred_product: z
    .looseObject({ catalog_id: z.string(), product_retailer_id: z.string() })
    .optional(),
});
export const errorSchema = z.looseObject({
  code: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});

/** An inbound message: common fields required, the per-type payloads checked when present. */
export const messageSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string().min(1),
  timestamp: unixSecondsSchema,
  // Always sent in practice; some of Meta's own examples omit it, so normalize infers it.
  type: z.string().min(1).optional(),
  context: contextSchema.optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: media.optional(),
  audio: media.extend({ voice: z.boolean().optional() }).optional(),
  video: media.optional(),
  document: media.extend({ filename: z.string().optional() }).optional(),
  sticker: media.extend({ animated: z.boolean().optional() }).optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  contacts: z.array(loose).optional(),
  interactive: z.looseObject({ type: z.string() }).optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  reaction: z
    .looseObject({ message_id: z.string(), emoji: z.string().optional() })
    .optional(),
  order: z
    .looseObject({ catalog_id: z.string().optional(), product_items: z.array(loose).optional() })
    .optional(),
  system: z.looseObject({ type: z.string().optional(), body: z.string().optional() }).optional(),
  referral: loose.optional(),
  identity: loose.optional(),
  errors: z.array(errorSchema).optional(),
});

/** A status update for an outbound message (group fields included). */
export const statusSchema = z.looseObject({
  id: z.string().min(1),
  status: statusNameSchema,
  timestamp: unixSecondsSchema,
  recipient_id: z.string().min(1),
  recipient_type: z.string().optional(),
  recipient_participant_id: z.string().optional(),
  conversation: z
    .looseObject({
      id: z.string().optional(),
      expiration_timestamp: unixSecondsSchema.optional(),
      origin: z.looseObject({ type: z.string().optional() }).optional(),
    })
    .optional(),
  pricing: z
    .looseObject({
      billable: z.boolean().optional(),
      pricing_model: z.string().optional(),
      category: z.string().optional(),
      type: z.string().optional(),
    })
    .optional(),
  errors: z.array(errorSchema).optional(),
  biz_opaque_callback_data: z.string().optional(),
});

export const contactSchema = z.looseObject({
  wa_id: z.string(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

/** `value` of a change whose field is `messages`. */
export const messagesValueSchema = z.looseObject({
  messaging_product: z.string(),
  metadata: z.looseObject({ display_phone_number: z.string(), phone_number_id: z.string().min(1) }),
  contacts: z.array(contactSchema).optional(),
  messages: z.array(messageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  errors: z.array(errorSchema).optional(),
});

/** A change: its value is checked only when it is a `messages` change of a WhatsApp account. */
export const changeSchema = z.looseObject({ field: z.string(), value: z.unknown() });
export const entrySchema = z.looseObject({ id: z.string(), changes: z.array(changeSchema) });

export const WABA_OBJECT = 'whatsapp_business_account';

export const webhookSchema = z
  .looseObject({ object: z.string(), entry: z.array(entrySchema) })
  .superRefine((webhook, ctx) => {
    if (webhook.object !== WABA_OBJECT) return;
    webhook.entry.forEach((entry, e) => {
      entry.changes.forEach((change, c) => {
        if (change.field !== 'messages') return;
        const parsed = messagesValueSchema.safeParse(change.value);
        if (parsed.success) return;
        for (const issue of parsed.error.issues) {
          ctx.addIssue({
            code: 'custom',
            message: issue.message,
            path: ['entry', e, 'changes', c, 'value', ...issue.path],
          });
        }
      });
    });
  });

export type WebhookMessage = z.output<typeof messageSchema>;
export type WebhookStatus = z.output<typeof statusSchema>;
export type WebhookContact = z.output<typeof contactSchema>;
export type WebhookError = z.output<typeof errorSchema>;
export type MessagesValue = z.output<typeof messagesValueSchema>;
/**
 * A change as parsed. `value` is a `MessagesValue` when `field` is `messages` and the
 * webhook's object is `whatsapp_business_account` (parseWebhook checked it); otherwise opaque.
 */
export type WebhookChange = { field: string; value: unknown; [k: string]: unknown };
export type WebhookEntry = { id: string; changes: WebhookChange[]; [k: string]: unknown };
export type Webhook = { object: string; entry: WebhookEntry[]; [k: string]: unknown };
