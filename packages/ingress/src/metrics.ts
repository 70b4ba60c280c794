import { Counter, Histogram, type Metrics } from '@wamesh/telemetry';

/** The ingress's own series, registered on the service's registry. */
export interface IngressMetrics {
  /** Requests answered, by route and HTTP status (and error code, '' for success). */
  requests: Counter<'route' | 'status' | 'code'>;
  /** Events JetStream stored, by kind (msg/status). */
  published: Counter<'kind'>;
  /** Events JetStream already had (duplicate window): a retry, stored once. */
  duplicates: Counter<'kind'>;
  /** Field events stored (non-messages changes, value.errors), by field. */
  fields: Counter<'field'>;
  /** Signed bodies quarantined (some part could not be sequenced), and their rejected parts. */
  quarantinedBodies: Counter;
  quarantinedParts: Counter;
  /** Time from the first publish of a request to its last PubAck, seconds. */
  publishSeconds: Histogram<'outcome'>;
  /** Events per accepted webhook. */
  eventsPerRequest: Histogram;
}

export function ingressMetrics(metrics: Metrics): IngressMetrics {
  const registers = [metrics.registry];
  return {
    requests: new Counter({
      name: 'wamesh_ingress_requests_total',
      help: 'HTTP requests answered, by route, status and error code',
      labelNames: ['route', 'status', 'code'],
      registers,
    }),
    published: new Counter({
      name: 'wamesh_ingress_events_published_total',
      help: 'Events stored by JetStream (PubAck), by kind',
      labelNames: ['kind'],
      registers,
    }),
    duplicates: new Counter({
      name: 'wamesh_ingress_events_duplicate_total',
      help: 'Events JetStream already had within its duplicate window, by kind',
      labelNames: ['kind'],
      registers,
    }),
    fields: new Counter({
      name: 'wamesh_ingress_field_events_total',
      help: 'Field events (changes other than messages and statuses) stored, by field',
      labelNames: ['field'],
      registers,
    }),
    quarantinedBodies: new Counter({
      name: 'wamesh_ingress_quarantined_bodies_total',
      help: 'Signed bodies stored in quarantine because a part could not be sequenced',
      registers,
    }),
    quarantinedParts: new Counter({
      name: 'wamesh_ingress_quarantined_parts_total',
      help: 'Parts of signed bodies that could not be sequenced (quarantined with their reason)',
      registers,
    }),
    publishSeconds: new Histogram({
      name: 'wamesh_ingress_publish_seconds',
      help: 'Durable publish of one request: first publish to last PubAck',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    eventsPerRequest: new Histogram({
      name: 'wamesh_ingress_events_per_request',
      help: 'Events carried by one accepted webhook',
      buckets: [0, 1, 2, 5, 10, 25, 50, 100, 250, 1000],
      registers,
    }),
  };
}

const FIELD_LABELS = new Set<string>();
const MAX_FIELD_LABELS = 100;

/**
 * The `field` label of a field event: Meta's field names are lowercase words; anything
 * else, and names past the first 100 seen, count as `other` (a signed sender still must
 * not be able to grow the series without bound).
 */
export function fieldLabel(field: string): string {
  if (FIELD_LABELS.has(field)) return field;
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(field) || FIELD_LABELS.size >= MAX_FIELD_LABELS) return 'other';
  FIELD_LABELS.add(field);
  return field;
}
