// Public surface of @wamesh/client: the feed entry schema and the verifier of relay deliveries.
export { FEED_KINDS, type FeedEntry, type FeedKind, feedEntrySchema } from './entry.ts';
export { feedEntryOfLogRow, isLogRow } from './log-row.ts';
export {
  DEFAULT_TOLERANCE_S,
  type HeaderBag,
  type VerifyOptions,
  verifySignature,
  verifyWebhook,
  type WebhookErrorCode,
  WebhookVerificationError,
  type WebhookSigner,
  webhookSigner,
} from './verify.ts';
