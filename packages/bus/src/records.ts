// The records the ingress stores beside the input events: field events (their own stream)
// and quarantined bodies (raw bytes + why), as plain OutRecords for the publisher, and the
// quarantine record decoded back for `wamesh quarantine list|replay`.
import { Match, type MsgHdrs } from '@nats-io/nats-core';
import { type EventMeta, type FieldEvent, fieldSubjectOf, quarantineId, quarantineSubjectOf, type RejectedPart } from '@wamesh/core';
import { decodeMeta, encodeMeta } from './headers.ts';
import type { OutRecord } from './types.ts';

/** Quarantine: the parts of the body that could not be sequenced, JSON [{path, reason}]. */
export const HEADER_QUARANTINE_PARTS = 'Wa-Quarantine-Parts';
/** Quarantine: how many parts were rejected (the header list may be cut short). */
export const HEADER_QUARANTINE_COUNT = 'Wa-Quarantine-Count';

// Headers share the message's max payload with the body; thousands of bad parts must not
// make the record itself unstorable. The count says when the list was cut.
const MAX_PARTS_HEADER = 16 * 1024;

export function fieldRecordOf(event: FieldEvent, meta: EventMeta): OutRecord {
  return {
    subject: fieldSubjectOf(meta.region, event.field),
    data: JSON.stringify(event),
    msgId: event.id,
    headers: encodeMeta(meta),
  };
}

/**
 * One record per signed body with rejected parts: the exact bytes received (so a replay
 * runs the same input through newer code), deduplicated by their hash.
 */
export function quarantineRecordOf(raw: Uint8Array, rejected: readonly RejectedPart[], meta: EventMeta, msgId = quarantineId(raw)): OutRecord {
  const headers = encodeMeta(meta);
  headers.set(HEADER_QUARANTINE_COUNT, String(rejected.length));
  headers.set(HEADER_QUARANTINE_PARTS, partsHeader(rejected));
  return { subject: quarantineSubjectOf(meta.region), data: raw, msgId, headers };
}

function partsHeader(rejected: readonly RejectedPart[]): string {
  const kept: RejectedPart[] = [];
  let size = 2;
  for (const part of rejected) {
    // Header values are one line: JSON.stringify escapes newlines in reasons and paths.
    const next = JSON.stringify(part).length + 1;
    if (size + next > MAX_PARTS_HEADER) break;
    kept.push(part);
    size += next;
  }
  return JSON.stringify(kept);
}

export interface QuarantinedBody {
  raw: Uint8Array;
  rejected: RejectedPart[];
  /** Parts rejected in all (the list may be shorter). */
  count: number;
  meta: EventMeta;
}

/** A quarantine record read back; a record without usable headers still yields its bytes. */
export function decodeQuarantined(data: Uint8Array, headers: MsgHdrs | undefined): QuarantinedBody {
  let meta: EventMeta;
  try {
    meta = decodeMeta(headers);
  } catch {
    meta = { region: '', receivedAt: 0 };
  }
  let rejected: RejectedPart[] = [];
  try {
    const parsed = JSON.parse(headers?.get(HEADER_QUARANTINE_PARTS, Match.IgnoreCase) || '[]');
    if (Array.isArray(parsed)) rejected = parsed.filter((p) => typeof p?.path === 'string' && typeof p?.reason === 'string');
  } catch {
    rejected = [];
  }
  const count = Number(headers?.get(HEADER_QUARANTINE_COUNT, Match.IgnoreCase) || rejected.length);
  return { raw: data, rejected, count: Number.isFinite(count) ? count : rejected.length, meta };
}
