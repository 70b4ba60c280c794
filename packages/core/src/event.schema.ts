// Validates an event read back from the bus (the consumer's edge): what normalize produced.
import { z } from 'zod';
import type { WaEvent } from './types.ts';
import { statusNameSchema } from './webhook.schema.ts';

const base = {
  id: z.string().regex(/^(msg|status)-[0-9a-f]{32}$/),
  key: z.string().min(1),
  shard: z.number().int().nonnegative(),
  phoneNumberId: z.string().min(1),
  wabaId: z.string(),
  timestamp: z.number().int().nonnegative(),
  wamid: z.string().min(1),
};

const userIdsSchema = z.object({
  waId: z.string().min(1).optional(),
  userId: z.string().min(1).optional(),
  parentUserId: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
});

export const messageEventSchema = z.object({
  ...base,
  kind: z.literal('msg'),
  userKey: z.string().min(1),
  user: userIdsSchema,
  type: z.string().min(1),
  contextWamid: z.string().optional(),
  contactName: z.string().optional(),
  message: z.record(z.string(), z.unknown()),
});

export const statusEventSchema = z.object({
  ...base,
  kind: z.literal('status'),
  status: statusNameSchema,
  recipientId: z.string().min(1).optional(),
  recipientUserId: z.string().min(1).optional(),
  conversation: z.record(z.string(), z.unknown()).optional(),
  pricing: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
  bizOpaqueCallbackData: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export const waEventSchema: z.ZodType<WaEvent> = z.discriminatedUnion('kind', [
  messageEventSchema,
  statusEventSchema,
]);

/** A field event read back from the fields stream (what splitWebhook produced). */
export const fieldEventSchema = z.object({
  id: z.string().regex(/^field-[0-9a-f]{32}$/),
  kind: z.literal('field'),
  object: z.string(),
  field: z.string().min(1),
  wabaId: z.string(),
  phoneNumberId: z.string().min(1).optional(),
  time: z.number().optional(),
  path: z.string(),
  value: z.unknown(),
});
