import type { Decision } from '@wamesh/relay';
import type { Context } from '../commands/context.ts';
import { decideRelayDeadLetters, listRelayDeadLetters } from '../relay-dlq/letters.ts';
import { type StreamCommandFlags, withNats } from '../stream-command.ts';
import { formatRelayDecisions, formatRelayListing } from '../view/relay-dlq.ts';

export interface RelayDlqFlags extends Pick<StreamCommandFlags, 'nats' | 'home'> {
  endpoint?: string;
  json?: true;
}

export async function relayDlqListCommand(ctx: Context, flags: RelayDlqFlags): Promise<number> {
  return withNats(ctx, flags, 'wamesh relay dlq list', async (nc) => {
    const { endpoints, letters } = await listRelayDeadLetters(nc, flags.endpoint);
    if (flags.json) ctx.io.out(JSON.stringify({ total: letters.length, endpoints, deadLetters: letters }, null, 2));
    else for (const line of formatRelayListing(letters, endpoints, ctx.style())) ctx.io.out(line);
    return 0;
  });
}

export async function relayDlqDecideCommand(ctx: Context, decision: Decision, seqs: number[], flags: RelayDlqFlags & { wait: number }): Promise<number> {
  return withNats(ctx, flags, `wamesh relay dlq ${decision}`, async (nc) => {
    const results = await decideRelayDeadLetters(nc, seqs, decision, { waitMs: flags.wait, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) });
    if (flags.json) ctx.io.out(JSON.stringify({ decision, results }, null, 2));
    else for (const line of formatRelayDecisions(results, flags.wait, ctx.style())) ctx.io.out(line);
    return results.every((r) => r.action !== 'pending' && r.action !== 'not-found') ? 0 : 1;
  });
}
