import { messageView } from '@wamesh/core';
import type { Context } from '../commands/context.ts';
import { CliError } from '../errors.ts';
import { openStore, resolveTarget, type TargetFlags } from '../target.ts';
import { formatConversation, formatMessage } from '../view/docs.ts';

/** Where the read commands look, and how they print. */
export type ReadFlags = TargetFlags & { json?: true };

export async function statusCommand(ctx: Context, wamid: string, flags: ReadFlags): Promise<number> {
  const { store, close } = await openStore(ctx, resolveTarget(ctx, flags));
  try {
    const doc = await store.getMessage(wamid);
    if (!doc) throw new CliError('E_NOT_FOUND', `no message ${wamid} in the store`);
    // The JSON is the stored document plus the merged fields (core's messageView).
    if (flags.json) ctx.io.out(JSON.stringify(messageView(doc), null, 2));
    else for (const line of formatMessage(doc, ctx.style())) ctx.io.out(line);
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
