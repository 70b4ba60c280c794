// The consumer's edge: a stream message becomes a trusted Envelope, or a reason to
// dead-letter it. Nothing that fails here is ever retried: it would fail the same way.
import type { JsMsg } from '@nats-io/jetstream';
import { decodeMeta } from '@wamesh/bus';
import { type Envelope, waEventSchema } from '@wamesh/core';
import type { z } from 'zod';

export type Decoded = { ok: true; envelope: Envelope } | { ok: false; reason: string };

const text = new TextDecoder('utf-8', { fatal: true });

export function decodeMessage(msg: JsMsg): Decoded {
  let json: unknown;
  try {
    json = JSON.parse(text.decode(msg.data));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parsed = waEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `invalid event: ${describe(parsed.error.issues)}` };
  try {
    return { ok: true, envelope: { event: parsed.data, meta: decodeMeta(msg.headers) } };
  } catch (err) {
    return { ok: false, reason: `invalid headers: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path.length ? i.path.map(String).join('.') : 'event'}: ${i.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}
