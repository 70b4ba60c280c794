// The stable key of a user within a business: the BSUID when the webhook has one, else the
// wa_id. Since 2026 Meta sends the BSUID in every messages webhook, and a user who adopts a
// username has no wa_id in webhooks at all, while the BSUID stays the same when the user
// changes number or adopts a username. So the BSUID is the one identifier every event of a
// user carries from then on; wa_id remains the key only for webhooks that carry no BSUID
// (older API versions, providers mirroring them).
import type { UserIdSets, UserIds } from './types.ts';

export function userKeyOf(user: UserIds): string | undefined {
  return user.userId ?? user.waId;
}

const KINDS = ['waId', 'userId', 'parentUserId', 'username'] as const satisfies readonly (keyof UserIds)[];

/** The identifier sets of one event's user. */
export function userIdSetsOf(user: UserIds): UserIdSets {
  const sets: UserIdSets = { waId: [], userId: [], parentUserId: [], username: [] };
  for (const kind of KINDS) if (user[kind] !== undefined) sets[kind].push(user[kind]);
  return sets;
}

/** The join of identifier sets: per kind, the sorted union. */
export function joinUserIdSets(a: UserIdSets, b: UserIdSets): UserIdSets {
  const sets = { ...a };
  for (const kind of KINDS) sets[kind] = [...new Set([...(a[kind] ?? []), ...(b[kind] ?? [])])].sort();
  return sets;
}

/** Every identifier of the sets, for lookups by any of them. */
export function allUserIds(sets: UserIdSets): string[] {
  return [...new Set(KINDS.flatMap((kind) => sets[kind] ?? []))];
}
