import { messageView } from '@wamesh/core';
import type { Context } from '../commands/context.ts';
import { CliError } from '../errors.ts';
import { openStore, resolveTarget, type TargetFlags } from '../target.ts';
import { formatConversation, formatMessage } from '../view/docs.ts';

/** Where the read commands look, and how they print. */
export type ReadFlags = TargetFlags & { json?: true };

/**
 * A message's status by its wamid; given a user's identifier instead (wa_id, BSUID,
 * username), the status of every message the business sent them that the log has seen.
 */
export async function statusCommand(ctx: Context, key: string, flags: ReadFlags): Promise<number> {
  const { store, close } = await openStore(ctx, resolveTarget(ctx, flags));
  try {
    const own = await store.getMessage(key);
    const wamids = own
      ? [key]
      : [...new Set((await store.timeline(key)).filter((e) => e.kind === 'status').map((e) => e.wamid))];
    const docs = (await Promise.all(wamids.map((w) => store.getMessage(w)))).filter((d) => d !== null);
    if (docs.length === 0) throw new CliError('E_NOT_FOUND', `no message ${key}, and no message sent to a user ${key}, in the store`);
    // The JSON is the stored document plus the merged fields (core's messageView); a user's: a list of them.
    if (flags.json) ctx.io.out(JSON.stringify(own ? messageView(own) : docs.map(messageView), null, 2));
    else for (const [i, doc] of docs.entries()) for (const line of [...(i ? [''] : []), ...formatMessage(doc, ctx.style())]) ctx.io.out(line);
    return 0;
  } finally {
    await close();
  }
}

export async function conversationCommand(ctx: Context, phoneNumberId: string, user: string, flags: ReadFlags): Promise<number> {
  const { store, close } = await openStore(ctx, resolveTarget(ctx, flags));
  try {
    const doc = await store.getConversation(phoneNumberId, user);
    if (!doc) throw new CliError('E_NOT_FOUND', `no conversation ${phoneNumberId} / ${user} in the store`);
    if (flags.json) ctx.io.out(JSON.stringify(doc, null, 2));
    else for (const line of formatConversation(doc, ctx.style())) ctx.io.out(line);
    return 0;
  } finally {
    await close();
  }
}
