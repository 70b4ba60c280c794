// Signed webhook bodies for the benchmark: unique wamids per request so JetStream stores every
// event (no duplicate-window shortcut), ~640 bytes per event like real status webhooks. Bodies
// come from a template; the load generator signs a pool of them before it starts sending, so
// its own CPU (it shares the machine with the server) goes to HTTP, not to HMAC.
import { createHmac, createSecretKey } from 'node:crypto';
import { buildWebhook, sequencedEvents, type StatusSpec, shardOf, type WaEvent } from '@wamesh/core';

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

/** The wamid of status j of body `i` (base 36, or the template's slot) of a run. */
export const benchWamid = (runId: string, i: string, j: number): string => `wamid.HBgLNDkxNzAwMDAwMDAwFQIAERgSQk${runId}${i}x${j}AA==`;

function statusSpec(runId: string, j: number): StatusSpec {
  const tag = `${runId}${SLOT}`;
  return {
    id: benchWamid(runId, SLOT, j),
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
  for (let j = 0; j < spec.eventsPerRequest; j++) statuses.push(statusSpec(spec.runId, j));
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

/** Bodies 0, 1, 2, …: the first `pooled` signed up front, any further ones on demand. */
export function bodySource(spec: BodySpec, pooled: number): () => SignedBody {
  const bodyOf = bodyFactory(spec);
  const pool = Array.from({ length: pooled }, (_, i) => bodyOf(i));
  let next = 0;
  return () => {
    const i = next++;
    return i < pool.length ? pool[i]! : bodyOf(i);
  };
}

/**
 * The event the bodies carry, parsed and normalized for real once, then copied with a fresh
 * id, wamid and shard per call: what (b) and (c0) publish without any HTTP or validation.
 */
export function eventFactory(runId: string, shards: number): () => WaEvent {
  const template = sequencedEvents(JSON.parse(bodyFactory({ runId, eventsPerRequest: 1, secret: 'unused' })(0).body), shards)[0]!;
  let made = 0;
  return () => {
    const wamid = `${template.wamid}${runId}${(made++).toString(36)}`;
    return { ...template, id: `status-${runId}-${made}`, wamid, key: wamid, shard: shardOf(wamid, shards) };
  };
}
