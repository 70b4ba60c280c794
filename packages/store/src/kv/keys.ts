// KV keys allow only [-/_=.a-zA-Z0-9] and use `.` as a token separator, while wamids and
// wa_ids may hold `+`, `/`, `=` or anything else: every id becomes one base64url token.

/** One key token for any string; `_` stands for the empty string (base64url never yields it). */
export const keyToken = (s: string): string => Buffer.from(s, 'utf8').toString('base64url') || '_';

export const tokenValue = (t: string): string => (t === '_' ? '' : Buffer.from(t, 'base64url').toString('utf8'));

export const messageKey = (wamid: string): string => keyToken(wamid);

export const conversationKey = (phoneNumberId: string, waId: string): string =>
  `${keyToken(phoneNumberId)}.${keyToken(waId)}`;

/** The event-log entry itself: created once, which is the idempotency check. */
export const eventKey = (eventId: string): string => `e.${keyToken(eventId)}`;

/** Timeline index: one empty marker per (wamid or waId, eventId); the entry lives under eventKey. */
export const timelineKey = (key: string, eventId: string): string => `t.${keyToken(key)}.${keyToken(eventId)}`;

export const timelineFilter = (key: string): string => `t.${keyToken(key)}.*`;

/** The eventId a timeline marker points at. */
export const eventIdOfTimelineKey = (k: string): string => tokenValue(k.slice(k.lastIndexOf('.') + 1));
