// One HTTP endpoint the relay delivers the feed to, as configured (RELAY_ENDPOINTS).
import { FEED_KINDS, webhookSigner } from '@wamesh/client';
import { z } from 'zod';

const ms = (def: number, min = 0) => z.number().int().min(min).default(def);

const secret = z
  .string()
  .startsWith('whsec_', 'secrets must be Standard Webhooks secrets (whsec_<base64>)')
  .refine((s) => {
    try {
      webhookSigner([s]);
      return true;
    } catch {
      return false;
    }
  }, 'a secret does not decode (whsec_ followed by base64)');

export const endpointSchema = z
  .object({
    /** Names its cursor, dead letters and metrics: one subject token. */
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'name must be letters, digits, - or _'),
    url: z.url({ protocol: /^https?$/ }),
    /** Every delivery is signed with each (several during a rotation). */
    secrets: z.array(secret).min(1),
    /** Only these kinds; default all. */
    kinds: z.array(z.enum(FEED_KINDS)).min(1).optional(),
    /** Only entries of these business numbers; default all. */
    phoneNumberIds: z.array(z.string().min(1)).min(1).optional(),
    timeoutMs: ms(10_000, 1),
    /** A message.received waits this long after commit for older message.late entries (0: off). */
    holdMs: ms(0),
    maxAttempts: z.number().int().min(1).default(12),
    /** Age (since its first attempt) after which a failing entry is dead-lettered. */
    maxAgeMs: ms(3_600_000, 1),
    /** Keys delivered in parallel. */
    concurrency: z.number().int().min(1).max(10_000).default(32),
    /** After a dead letter: `block` the key until an operator acts (strict order), or `skip` ahead. */
    onDeadLetter: z.enum(['block', 'skip']).default('block'),
    retryInitialMs: ms(500, 1),
    retryMaxMs: ms(60_000, 1),
    /** Consecutive failed attempts (any key) that open the circuit. */
    circuitFailures: z.number().int().min(1).default(20),
    /** First wait before a probe; it doubles while probes fail (up to retryMaxMs). */
    circuitCooldownMs: ms(5_000, 1),
  })
  .strict();

export type EndpointConfig = z.output<typeof endpointSchema>;
export type EndpointInput = z.input<typeof endpointSchema>;
