// Every error the bus raises on purpose: small classes with a `name` and a stable `code`
// callers branch on (the ingress maps PublishUnavailableError to 503 so Meta retries).
import { CodedError } from '@wamesh/core';

export type BusErrorCode =
  | 'E_PUBLISH_UNAVAILABLE'
  | 'E_PUBLISH_FAILED'
  | 'E_META_INVALID'
  | 'E_TOPOLOGY'
  | 'E_NATS_CONFIG';

export class BusError extends CodedError<BusErrorCode> {
  override name = 'BusError';
}

/** Why JetStream could not take a publish in time; all of them are worth a retry later. */
export type UnavailableReason =
  | 'timeout'
  | 'no_responders'
  | 'disconnected'
  | 'closed'
  | 'storage'
  | 'jetstream_unavailable';

/**
 * JetStream did not acknowledge every event of a batch within the timeout: nothing may be
 * answered as stored. Events that were acked stay stored; a retry of the whole batch is
 * safe because their ids fall into the duplicate window.
 */
export class PublishUnavailableError extends BusError {
  override name = 'PublishUnavailableError';
  readonly reason: UnavailableReason;
  constructor(reason: UnavailableReason, message: string, options?: ErrorOptions) {
    super('E_PUBLISH_UNAVAILABLE', message, options);
    this.reason = reason;
  }
}

/** JetStream refused a publish for a reason a retry will not fix (too large, permissions…). */
export class PublishFailedError extends BusError {
  override name = 'PublishFailedError';
  constructor(message: string, options?: ErrorOptions) {
    super('E_PUBLISH_FAILED', message, options);
  }
}

/** A message lacks the transport headers an EventMeta needs. */
export class InvalidMetaError extends BusError {
  override name = 'InvalidMetaError';
  constructor(message: string) {
    super('E_META_INVALID', message);
  }
}

/** Creating or updating a JetStream resource failed; names the resource. */
export class TopologyError extends BusError {
  override name = 'TopologyError';
  readonly resource: string;
  constructor(resource: string, message: string, options?: ErrorOptions) {
    super('E_TOPOLOGY', `${resource}: ${message}`, options);
    this.resource = resource;
  }
}

/** The NATS configuration cannot be used as given (e.g. token and user/pass both set). */
export class NatsConfigError extends BusError {
  override name = 'NatsConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('E_NATS_CONFIG', message, options);
  }
}
