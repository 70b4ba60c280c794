// Public surface of @wamesh/core: pure domain logic, no I/O.
export type * from './types.ts';
export { CoreError } from './errors.ts';
export {
  changeSchema,
  contactSchema,
  entrySchema,
  errorSchema,
  messageSchema,
  messagesValueSchema,
  statusSchema,
  WABA_OBJECT,
  webhookSchema,
  type MessagesValue,
  type Webhook,
  type WebhookChange,
  type WebhookContact,
  type WebhookEntry,
  type WebhookError,
  type WebhookMessage,
  type WebhookStatus,
} from './webhook.schema.ts';
export { parseWebhook, type ParseResult } from './parse.ts';
export { normalize, type Normalized, type Skipped } from './normalize.ts';
export { messageEventId, statusEventId } from './event-id.ts';
export { fnv1a32, shardOf, subjectOf, streamNames, assertRegion, type StreamNames } from './names.ts';
export { waEventSchema, messageEventSchema, statusEventSchema } from './event.schema.ts';
export {
  applyStatus,
  factOf,
  inboundOf,
  isKnownStatus,
  joinMessageDocs,
  messageDocOf,
  messageView,
  statusRank,
  type Applied,
  type MessageView,
} from './message-doc.ts';
export { applyMessage, conversationOf, joinConversations } from './conversation.ts';
export { foldMessages, foldOutcomes, foldStatuses, type EventOutcome, type Folded } from './fold.ts';
export { beatenByOf, compareWinners } from './order.ts';
export { referenceState, type ReferenceState } from './reference.ts';
export { logEntryOf } from './log-entry.ts';
export { signBody, verifySignature, type SignatureCheck } from './signature.ts';
export {
  buildWebhook,
  type ChangeSpec,
  type EntrySpec,
  type InboundSpec,
  type StatusSpec,
  webhookEvents,
} from './build.ts';
