// Which NATS failures are worth retrying: the server or cluster is not able to answer yet
// (timeouts, no responders, a forming cluster, no meta leader), as opposed to a refusal it
// will repeat. Read from nats.js's error classes and JetStream's numeric codes, never from
// message text; wrappers (TopologyError, nats.js's JetStreamNotEnabled) are seen through.
import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';

// JetStream API codes (nats-server errors.json) of a cluster that is not ready yet.
const NOT_READY_CODES = new Set([
  10005, // no suitable peers for placement (peers not yet online)
  10008, // JetStream system temporarily unavailable
  10009, // JetStream cluster can not handle request (no meta leader)
  10039, // JetStream not enabled for account (not ready yet)
  10118, // stream is offline
]);

export function isTransient(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof TimeoutError || e instanceof NoRespondersError) return true;
    if (e instanceof RequestError && e.isNoResponders()) return true;
    if (e instanceof JetStreamApiError) return e.status === 503 || NOT_READY_CODES.has(e.code);
  }
  return false;
}
