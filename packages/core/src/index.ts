// Public surface of @wamesh/core: pure domain logic, no I/O. What the other packages,
// the cli and the tests import, and no more.
export type {
  BusinessDoc,
  ConversationDoc,
  Envelope,
  EventKind,
  EventLogEntry,
  EventMeta,
  FieldEnvelope,
  FieldEvent,
  MessageDoc,
  MessageEvent,
  Outcome,
  RejectedPart,
  StatusEvent,
  StatusName,
  WaEvent,
  Winner,
} from './types.ts';
export { CodedError } from './errors.ts';
export { sequencedEvents, type Split, splitBody, splitUnder, splitWebhook } from './split.ts';
export { allUserIds } from './user-key.ts';
export { quarantineId } from './event-id.ts';
export { assertRegion, fieldSubjectOf, fnv1a32, isRegion, quarantineSubjectOf, shardOf, streamNames, subjectOf } from './names.ts';
export { seededRandom, shuffled } from './random.ts';
export { fieldEventSchema, waEventSchema } from './event.schema.ts';
export { applyStatus, inboundOf, joinMessageDocs, messageView, statusRank } from './message-doc.ts';
export { applyMessage } from './conversation.ts';
export { type EventOutcome, foldMessages, foldStatuses } from './fold.ts';
export { compareWinners } from './order.ts';
export { type ReferenceState, referenceState } from './reference.ts';
export { fieldLogEntryOf, logEntryOf } from './log-entry.ts';
export { businessDocOf, businessIdOf, joinBusinessDocs } from './business.ts';
export { type FeedMark, type FeedState, feedKindOf, markFeed } from './feed.ts';
export { type SignatureCheck, signBody, verifySignature } from './signature.ts';
export { buildWebhook, type ChangeSpec, type EntrySpec, type InboundSpec, type StatusSpec, webhookEvents } from './build.ts';
