// zod schemas for the parts of a WhatsApp Cloud API webhook, each validated on its own
// (splitWebhook): one bad part never costs the others. Only what sequencing needs is
// required; every other field is kept exactly as sent, whatever its type, because
// providers send numbers for strings and strings for numbers, and Meta adds fields.
import { z } from 'zod';

/** Unix seconds as Meta sends them (a string of digits); providers sending an integer are tolerated. */
export const unixSecondsSchema = z.union(
  [z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative().max(999_999_999_999)],
  { error: 'expected Unix seconds (a string of digits)' },
);

/**
 * A status value: any token, so future statuses are recorded. It must be a word because it
 * becomes a document key (no `.`, `$` or `__proto__`).
 */
export const statusNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'expected a status word like "delivered"');

const id = z.string().min(1);
/** An identifier that may be absent, or sent as a number by some providers (kept as text). */
const optionalId = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : String(v)));

/** An inbound message: id, timestamp and (here or in contacts[]) a sender; the rest as sent. */
export const messageSchema = z.looseObject({
  id,
  timestamp: unixSecondsSchema,
  from: optionalId,
  from_user_id: optionalId,
  from_parent_user_id: optionalId,
});

/** A status update for an outbound message: id, status, timestamp; the rest as sent. */
export const statusSchema = z.looseObject({
  id,
  status: statusNameSchema,
  timestamp: unixSecondsSchema,
  recipient_id: optionalId,
  recipient_user_id: optionalId,
  recipient_participant_id: optionalId,
});

/** A contact of a messages change: whichever identifiers it has (none is required). */
export const contactSchema = z.looseObject({
  wa_id: optionalId,
  user_id: optionalId,
  parent_user_id: optionalId,
  profile: z.looseObject({ name: z.unknown(), username: z.unknown() }).partial().optional().catch(undefined),
});

/** What a messages change needs for its messages and statuses: the business number. */
export const messagesMetadataSchema = z.looseObject({ phone_number_id: id });

export const WABA_OBJECT = 'whatsapp_business_account';

/** Keys of a messages value that splitWebhook turns into events; any other key makes the value a field event too. */
export const SEQUENCED_VALUE_KEYS: ReadonlySet<string> = new Set([
  'messaging_product',
  'metadata',
  'contacts',
  'messages',
  'statuses',
]);

export type WebhookMessage = z.output<typeof messageSchema>;
export type WebhookStatus = z.output<typeof statusSchema>;
export type WebhookContact = z.output<typeof contactSchema>;
