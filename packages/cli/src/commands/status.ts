import { messageView } from '@wamesh/core';
import { bool, parse, str } from '../args.ts';
import { CliError } from '../errors.ts';
import { openStore, resolveTarget } from '../target.ts';
import { formatConversation, formatMessage } from '../view/docs.ts';
import type { Context } from './context.ts';

const targetOptions = {
  nats: { type: 'string' },
  mongo: { type: 'string' },
  home: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function statusCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('status', argv, targetOptions);
  const [wamid, extra] = p.positionals;
  if (!wamid || extra) throw new CliError('USAGE', 'usage: wamesh status <wamid> [--json] [--nats URL | --mongo URI]');
  const { store, close } = await openStore(ctx, resolveTarget(ctx, { nats: str(p, 'nats'), mongo: str(p, 'mongo'), home: str(p, 'home') }));
  try {
    const doc = await store.getMessage(wamid);
    if (!doc) throw new CliError('NOT_FOUND', `no message ${wamid} in the store`);
    // The JSON is the stored document plus the merged fields (core's messageView).
    if (bool(p, 'json')) ctx.io.out(JSON.stringify(messageView(doc), null, 2));
    else for (const line of formatMessage(doc, ctx.style())) ctx.io.out(line);
    return 0;
  } finally {
    await close();
  }
}

export async function conversationCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('conversation', argv, targetOptions);
  const [phoneNumberId, waId, extra] = p.positionals;
  if (!phoneNumberId || !waId || extra) {
    throw new CliError('USAGE', 'usage: wamesh conversation <phone_number_id> <wa_id> [--json] [--nats URL | --mongo URI]');
  }
  const { store, close } = await openStore(ctx, resolveTarget(ctx, { nats: str(p, 'nats'), mongo: str(p, 'mongo'), home: str(p, 'home') }));
  try {
    const doc = await store.getConversation(phoneNumberId, waId);
    if (!doc) throw new CliError('NOT_FOUND', `no conversation ${phoneNumberId} / ${waId} in the store`);
    if (bool(p, 'json')) ctx.io.out(JSON.stringify(doc, null, 2));
    else for (const line of formatConversation(doc, ctx.style())) ctx.io.out(line);
    return 0;
  } finally {
    await close();
  }
}
