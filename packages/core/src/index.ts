// Public surface of @wamesh/core: pure domain logic, no I/O.
export type * from './types.ts';
export { CoreError } from './errors.ts';
export { statusNameSchema, unixSecondsSchema, WABA_OBJECT } from './webhook.schema.ts';
export { sequencedEvents, type Split, splitBody, splitUnder, splitWebhook, typeOf } from './split.ts';
export { allUserIds, joinUserIdSets, userIdSetsOf, userKeyOf } from './user-key.ts';
export { fieldEventId, messageEventId, quarantineId, statusEventId } from './event-id.ts';
export {
  assertRegion,
  fieldSubjectOf,
  fnv1a32,
  isRegion,
  quarantineSubjectOf,
  shardOf,
  type StreamNames,
  streamNames,
  subjectOf,
} from './names.ts';
export { seededRandom, shuffled } from './random.ts';
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
export {
  conversationFeedKey,
  type FeedKind,
  type FeedMark,
  type FeedState,
  feedKindOf,
  fieldFeedKey,
  type Marked,
  markFeed,
  messageFeedKey,
  RECENT_MARKS,
} from './feed.ts';
export { signBody, verifySignature, type SignatureCheck } from './signature.ts';
export {
  buildWebhook,
  type ChangeSpec,
  type EntrySpec,
  type InboundSpec,
  type StatusSpec,
  type Webhook,
  webhookEvents,
} from './build.ts';
