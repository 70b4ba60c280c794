// Signed webhook bodies for the benchmark: unique wamids per run so JetStream stores every
// event (no duplicate-window shortcut), ~600 bytes per event like real status webhooks.
import { buildWebhook, signBody, type StatusSpec } from '@wamesh/core';

export interface BodySpec {
  /** Distinguishes runs, so no event of one run is a duplicate of another's. */
  runId: string;
  count: number;
  eventsPerRequest: number;
  secret: string;
}

export interface SignedBody {
  body: string;
  signature: string;
}

const PRICING = { billable: true, pricing_model: 'CBP', category: 'utility', type: 'regular' };

export function statusSpec(runId: string, i: number, j: number): StatusSpec {
  return {
    id: `wamid.HBgLNDkxNzAwMDAwMDAwFQIAERgSQk${runId}${i.toString(36)}x${j}AA==`,
    status: 'delivered',
    timestamp: 1_760_000_000 + (i % 86_400),
    recipientId: `49170${(1_000_000 + (i % 9_000_000)).toString()}`,
    conversation: {
      id: `c0nv3rsat10n${(i % 1000).toString(36).padStart(4, '0')}${runId}`,
      expiration_timestamp: '1760086400',
      origin: { type: 'utility' },
    },
    pricing: PRICING,
    bizOpaqueCallbackData: `order-${i}-${runId}-tracking-reference-0000000000`,
  };
}

export function makeBodies(spec: BodySpec): SignedBody[] {
  const out: SignedBody[] = new Array(spec.count);
  for (let i = 0; i < spec.count; i++) {
    const statuses: StatusSpec[] = [];
    for (let j = 0; j < spec.eventsPerRequest; j++) statuses.push(statusSpec(spec.runId, i, j));
    const body = JSON.stringify(
      buildWebhook([{ wabaId: '102290129340398', changes: [{ phoneNumberId: '106540352242922', statuses }] }]),
    );
    out[i] = { body, signature: signBody(body, spec.secret) };
  }
  return out;
}
