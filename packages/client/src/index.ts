// Public surface of @wamesh/client: the feed entry schema and the verifier of relay deliveries.
export { FEED_KINDS, type FeedEntry, feedEntrySchema } from './entry.ts';
export { feedEntryOfLogRow, isLogRow } from './log-row.ts';
export { verifyWebhook, type WebhookSigner, webhookSigner } from './verify.ts';
