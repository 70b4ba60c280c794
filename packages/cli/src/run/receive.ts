import { once } from 'node:events';
import type { Context } from '../commands/context.ts';
import { CliError } from '../errors.ts';
import { DEV_RELAY_SECRET } from '../options.ts';
import { startReceiver } from '../receive/server.ts';
import { entryLine } from '../view/feed-entry.ts';

export interface ReceiveFlags {
  port: number;
  host: string;
  secret?: string[];
  json?: true;
}

/** Listens until SIGINT/SIGTERM; one stdout line per verified delivery, one stderr line per refusal. */
export async function receiveCommand(ctx: Context, flags: ReceiveFlags): Promise<number> {
  const style = ctx.style();
  const receiver = await startReceiver({
    host: flags.host,
    port: flags.port,
    secrets: flags.secret ?? [DEV_RELAY_SECRET],
    onEntry: (e) => ctx.io.out(flags.json ? JSON.stringify(e) : entryLine(e, style)),
    onRefused: (status, reason, id) => ctx.io.err(`refused ${status}${id ? ` webhook-id ${id}` : ''}: ${reason}`),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new CliError('E_PORT_TAKEN', `wamesh receive: port ${flags.port} on ${flags.host} is in use: pick another with --port`);
    throw err;
  });
  ctx.io.err(`wamesh receive: listening on ${receiver.url}; Ctrl-C stops`);
  const ac = new AbortController();
  await Promise.race([once(process, 'SIGINT', { signal: ac.signal }), once(process, 'SIGTERM', { signal: ac.signal })]);
  ac.abort();
  await receiver.close();
  return 0;
}
