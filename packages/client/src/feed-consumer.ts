// The durable JetStream consumer a feed reader keeps its position in: created on first use
// with explicit acks on the feed's row subject, reused as it is afterwards.
import { AckPolicy, type ConsumerInfo, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { FeedReaderError } from './reader-error.ts';

/** The KV store's event log with the default prefix `wamesh`: packages/store/src/kv/buckets.ts. */
export const DEFAULT_FEED_STREAM = 'KV_wamesh_events';
export const DEFAULT_FEED_SUBJECT = '$KV.wamesh_events.e.>';

export interface DurableSpec {
  stream: string;
  subject: string;
  durable: string;
  ackWaitMs: number;
  maxHeld: number;
}

/** The durable consumer's info, creating it (from the stream's start) when missing. */
export async function ensureDurable(jsm: JetStreamManager, spec: DurableSpec): Promise<ConsumerInfo> {
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.info(spec.stream, spec.durable);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    info = await jsm.consumers.add(spec.stream, {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: spec.subject,
      ack_wait: nanos(spec.ackWaitMs),
      max_ack_pending: spec.maxHeld,
    });
  }
  // Another filter would be another feed: a position in it means nothing here.
  if (info.config.filter_subject !== spec.subject || info.config.ack_policy !== AckPolicy.Explicit) {
    throw new FeedReaderError(
      'E_FEED_CONSUMER',
      `consumer ${spec.durable} on ${spec.stream} exists with filter ${info.config.filter_subject ?? '(none)'} and ack policy ${info.config.ack_policy}; want ${spec.subject}, explicit`,
    );
  }
  return info;
}
