// Public surface of @wamesh/client: the feed entry schema, the verifier of relay deliveries,
// and the NATS-side reader of the feed.
export { FEED_KINDS, type FeedEntry, feedEntrySchema } from './entry.ts';
export { decodeFeedRecord, feedRecordOf } from './feed-record.ts';
export { createFeedReader, type FeedHandler, type FeedReader, type FeedReaderOptions, type HandlerContext } from './reader.ts';
export { FeedReaderError, type FeedReaderErrorCode } from './reader-error.ts';
export { verifyWebhook, WebhookVerificationError, type WebhookSigner, webhookSigner } from './verify.ts';
