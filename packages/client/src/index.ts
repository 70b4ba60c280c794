// Public surface of @wamesh/client: the feed entry schema and the verifier of relay
// deliveries. Its users are apps outside this repository too: the README's list is the surface.
export { FEED_KINDS, type FeedEntry, type FeedKind, feedEntrySchema } from './entry.ts';
export { feedEntryOfLogRow, isLogRow } from './log-row.ts';
export {
  verifySignature,
  verifyWebhook,
  type WebhookErrorCode,
  WebhookVerificationError,
  type WebhookSigner,
  webhookSigner,
} from './verify.ts';
