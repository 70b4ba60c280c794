// One catalogue: every error the ingress answers with, its stable code and HTTP status.
// Bodies are `{ error: { code, message } }`, short and free of secrets and payloads.
import type { FastifyReply } from 'fastify';

export const INGRESS_ERRORS = {
  SIGNATURE_MISSING: { status: 401, message: 'X-Hub-Signature-256 header is missing' },
  SIGNATURE_MALFORMED: { status: 401, message: 'X-Hub-Signature-256 must be sha256=<64 hex digits>' },
  SIGNATURE_MISMATCH: { status: 401, message: 'X-Hub-Signature-256 does not match the body' },
  BODY_TOO_LARGE: { status: 413, message: 'body exceeds the size limit' },
  BAD_REQUEST: { status: 400, message: 'malformed HTTP request' },
  VERIFY_REJECTED: { status: 403, message: 'verification failed' },
  NOT_FOUND: { status: 404, message: 'not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  PUBLISH_UNAVAILABLE: { status: 503, message: 'events could not be stored now; retry later' },
  PUBLISH_FAILED: { status: 500, message: 'events were refused by the stream' },
  OVERLOADED: { status: 503, message: 'too many webhooks in flight; retry later' },
  NOT_READY: { status: 503, message: 'not ready' },
  SHUTTING_DOWN: { status: 503, message: 'shutting down; retry later' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type IngressErrorCode = keyof typeof INGRESS_ERRORS;

/** An answer other than 200, thrown by a handler and rendered by the app's error handler. */
export class IngressError extends Error {
  override name = 'IngressError';
  readonly code: IngressErrorCode;
  readonly statusCode: number;
  /** Seconds the client should wait before retrying (503). */
  readonly retryAfter: number | undefined;
  constructor(code: IngressErrorCode, detail?: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(detail ? `${INGRESS_ERRORS[code].message}: ${detail}` : INGRESS_ERRORS[code].message, {
      cause: options?.cause,
    });
    this.code = code;
    this.statusCode = INGRESS_ERRORS[code].status;
    this.retryAfter = options?.retryAfter;
  }
}

export interface ErrorBody {
  error: { code: IngressErrorCode; message: string };
}

export function errorBody(err: IngressError): ErrorBody {
  return { error: { code: err.code, message: err.message } };
}

/** Answers with the error: its status, Retry-After when it has one, its JSON body. */
export function sendError(reply: FastifyReply, err: IngressError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  return reply.code(err.statusCode).type('application/json').send(JSON.stringify(errorBody(err)));
}
