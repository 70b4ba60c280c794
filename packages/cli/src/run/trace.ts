import type { Context } from '../commands/context.ts';
import { openStore, resolveTarget } from '../target.ts';
import { feedEntryIds, formatTrace, traceReport } from '../view/trace.ts';
import type { ReadFlags } from './status.ts';
import { deliveriesOf } from './trace-deliveries.ts';

export async function traceCommand(ctx: Context, key: string, flags: ReadFlags): Promise<number> {
  const target = resolveTarget(ctx, flags);
  const { store, nc, close } = await openStore(ctx, target);
  try {
    const rows = await store.timeline(key);
    const deliveries = await deliveriesOf(ctx, target, nc, feedEntryIds(rows));
    const report = traceReport(key, rows, deliveries);
    if (flags.json) ctx.io.out(JSON.stringify(report, null, 2));
    else for (const line of formatTrace(report, ctx.style())) ctx.io.out(line);
    return report.events.length === 0 ? 5 : 0;
  } finally {
    await close();
  }
}
