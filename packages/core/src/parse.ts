import type { z } from 'zod';
import { type Webhook, webhookSchema } from './webhook.schema.ts';

export type ParseResult = { ok: true; webhook: Webhook } | { ok: false; error: string };

/** Validates a parsed JSON body; the error names the first wrong path (for a 400 body). */
export function parseWebhook(json: unknown): ParseResult {
  const result = webhookSchema.safeParse(json);
  if (result.success) return { ok: true, webhook: result.data as Webhook };
  return { ok: false, error: describeIssues(result.error.issues) };
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid webhook';
  const path = first.path.length ? first.path.map(String).join('.') : 'body';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${path}: ${first.message}${more}`;
}
