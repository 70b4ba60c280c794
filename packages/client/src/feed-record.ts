// One record of the feed's stream decoded: a row of the store's event log (the feed as the
// store commits it) or an entry as such. The relay and the NATS reader read the same stream
// and must agree on what is an entry, what is no change and what cannot be read.
import type { FeedEntry } from './entry.ts';
import { feedEntrySchema } from './entry.ts';
import { feedEntryOfLogRow, isLogRow } from './log-row.ts';

/** An entry, no change (a log row of a duplicate), or why the record could not be decoded. */
export type FeedRecord = { entry: FeedEntry } | { invalid: string } | { none: true };

const text = new TextDecoder();

/** Decodes a record's bytes; an undecodable record is reported, never thrown. */
export function decodeFeedRecord(data: Uint8Array): FeedRecord {
  let json: unknown;
  try {
    json = JSON.parse(text.decode(data));
  } catch {
    return { invalid: 'not JSON' };
  }
  return feedRecordOf(json);
}

/** The same for a record already parsed (a MongoDB change stream's document). */
export function feedRecordOf(json: unknown): FeedRecord {
  let value = json;
  if (isLogRow(json)) {
    const entry = feedEntryOfLogRow(json);
    if (entry === null) return { none: true };
    value = entry;
  }
  const parsed = feedEntrySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { invalid: `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}` };
  }
  return { entry: parsed.data };
}
