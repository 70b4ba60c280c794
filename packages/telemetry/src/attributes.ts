// Span attribute names: the OpenTelemetry messaging conventions we use, and ours (`wa.*`).
// Plain strings on purpose: the semconv messaging names are still "incubating" upstream,
// and importing the incubating entry point is discouraged.

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = 'messaging.destination.subscription.name';
export const ATTR_CLOUD_REGION = 'cloud.region';

/** Value of `messaging.system` on every NATS span. */
export const MESSAGING_SYSTEM_NATS = 'nats';

/** Values of `messaging.operation.type` (semconv 1.27+: `send` replaced `publish`). */
export const MessagingOperation = {
  create: 'create',
  send: 'send',
  receive: 'receive',
  process: 'process',
  settle: 'settle',
} as const;
export type MessagingOperationType = (typeof MessagingOperation)[keyof typeof MessagingOperation];

// Ours: every span that touches an event carries enough to find it again in Jaeger.
export const ATTR_WA_WAMID = 'wa.wamid';
export const ATTR_WA_WA_ID = 'wa.wa_id';
/** The user's business-scoped user id (BSUID), when the webhook had one. */
export const ATTR_WA_USER_ID = 'wa.user_id';
export const ATTR_WA_STATUS = 'wa.status';
/** WhatsApp timestamp of the event, Unix seconds. */
export const ATTR_WA_TIMESTAMP = 'wa.timestamp';
export const ATTR_WA_REGION = 'wa.region';
export const ATTR_WA_OUTCOME = 'wa.outcome';
export const ATTR_WA_SHARD = 'wa.shard';
/** Event kind (`msg` or `status`) and deterministic event id. */
export const ATTR_WA_KIND = 'wa.kind';
export const ATTR_WA_EVENT_ID = 'wa.event_id';
/** On a stale event's span: the event that beat it and by how many WhatsApp seconds. */
export const ATTR_WA_BEATEN_BY = 'wa.beaten_by';
export const ATTR_WA_INVERSION_SECONDS = 'wa.inversion_seconds';
/** Name of the span event a stale event records (with the two attributes above). */
export const EVENT_WA_INVERSION = 'wa.inversion';
