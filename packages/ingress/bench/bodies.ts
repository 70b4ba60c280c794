// Signed webhook bodies for the benchmark: unique wamids per request so JetStream stores every
// event (no duplicate-window shortcut), ~640 bytes per event like real status webhooks. Bodies
// come from a template, made on demand, so the load generator's heap stays small.
import { createHmac, createSecretKey } from 'node:crypto';
import { buildWebhook, type StatusSpec } from '@wamesh/core';

export interface BodySpec {
  /** Distinguishes runs, so no event of one run is a duplicate of another's. */
  runId: string;
  eventsPerRequest: number;
  secret: string;
}

export interface SignedBody {
  body: string;
  signature: string;
}

const PRICING = { billable: true, pricing_model: 'CBP', category: 'utility', type: 'regular' };
const SLOT = '@@I@@';

export function statusSpec(tag: string, j: number): StatusSpec {
  return {
    id: `wamid.HBgLNDkxNzAwMDAwMDAwFQIAERgSQk${tag}x${j}AA==`,
    status: 'delivered',
    timestamp: 1_760_000_000,
    recipientId: '491701234567',
    conversation: { id: `c0nv3rsat10n${tag}`, expiration_timestamp: '1760086400', origin: { type: 'utility' } },
    pricing: PRICING,
    bizOpaqueCallbackData: `order-${tag}-tracking-reference-0000000000`,
  };
}

/** Body i of a run: the template with i (base 36) in every id. */
export function bodyFactory(spec: BodySpec): (i: number) => SignedBody {
  const statuses: StatusSpec[] = [];
  for (let j = 0; j < spec.eventsPerRequest; j++) statuses.push(statusSpec(`${spec.runId}${SLOT}`, j));
  const template = JSON.stringify(
    buildWebhook([{ wabaId: '102290129340398', changes: [{ phoneNumberId: '106540352242922', statuses }] }]),
  );
  const parts = template.split(SLOT);
  const key = createSecretKey(Buffer.from(spec.secret));
  return (i) => {
    const body = parts.join(i.toString(36));
    return { body, signature: `sha256=${createHmac('sha256', key).update(body).digest('hex')}` };
  };
}
