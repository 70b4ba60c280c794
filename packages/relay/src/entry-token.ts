// Entry ids may hold any character; KV keys may not. One base64url token per id (as the
// store's keyToken), `_` for the empty string (base64url never yields it).
export const entryToken = (entryId: string): string => Buffer.from(entryId, 'utf8').toString('base64url') || '_';
