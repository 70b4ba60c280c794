import type { Context } from '../commands/context.ts';
import { openStore, resolveTarget } from '../target.ts';
import { formatTrace, traceReport } from '../view/trace.ts';
import type { ReadFlags } from './status.ts';

export async function traceCommand(ctx: Context, key: string, flags: ReadFlags): Promise<number> {
  const { store, close } = await openStore(ctx, resolveTarget(ctx, flags));
  try {
    const report = traceReport(key, await store.timeline(key));
    if (flags.json) ctx.io.out(JSON.stringify(report, null, 2));
    else for (const line of formatTrace(report, ctx.style())) ctx.io.out(line);
    return report.events.length === 0 ? 5 : 0;
  } finally {
    await close();
  }
}
