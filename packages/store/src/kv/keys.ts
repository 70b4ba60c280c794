// KV keys allow only [-/_=.a-zA-Z0-9] and use `.` as a token separator, while wamids and
// wa_ids may hold `+`, `/`, `=` or anything else: every id becomes one base64url token.

/** One key token for any string; `_` stands for the empty string (base64url never yields it). */
export const keyToken = (s: string): string => Buffer.from(s, 'utf8').toString('base64url') || '_';

export const tokenValue = (t: string): string => (t === '_' ? '' : Buffer.from(t, 'base64url').toString('utf8'));

export const messageKey = (wamid: string): string => keyToken(wamid);

export const conversationKey = (phoneNumberId: string, userKey: string): string =>
  `${keyToken(phoneNumberId)}.${keyToken(userKey)}`;

/**
 * In the conversations bucket, beside the documents: `a.<number>.<identifier>` holds the
 * user key of the conversation that saw that identifier (a wa_id, parent BSUID or username
 * of a user keyed by BSUID). `a` is no token of keyToken (those are `_` or 2+ characters).
 */
export const aliasKey = (phoneNumberId: string, id: string): string => `a.${keyToken(phoneNumberId)}.${keyToken(id)}`;

/** The event-log entry itself: created once, which is the idempotency check. */
export const eventKey = (eventId: string): string => `e.${keyToken(eventId)}`;

/** Timeline index: one empty marker per (wamid or waId, eventId); the entry lives under eventKey. */
export const timelineKey = (key: string, eventId: string): string => `t.${keyToken(key)}.${keyToken(eventId)}`;

export const timelineFilter = (key: string): string => `t.${keyToken(key)}.*`;

/** The eventId a timeline marker points at. */
export const eventIdOfTimelineKey = (k: string): string => tokenValue(k.slice(k.lastIndexOf('.') + 1));
