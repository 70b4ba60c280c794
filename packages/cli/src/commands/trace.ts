import { bool, parse, str } from '../args.ts';
import { CliError } from '../errors.ts';
import { openStore, resolveTarget } from '../target.ts';
import { formatTrace, traceReport } from '../view/trace.ts';
import type { Context } from './context.ts';

export async function traceCommand(argv: string[], ctx: Context): Promise<number> {
  const p = parse('trace', argv, {
    nats: { type: 'string' },
    mongo: { type: 'string' },
    home: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [key, extra] = p.positionals;
  if (!key || extra) throw new CliError('USAGE', 'usage: wamesh trace <wamid|wa_id> [--json] [--nats URL | --mongo URI]');
  const { store, close } = await openStore(ctx, resolveTarget(ctx, { nats: str(p, 'nats'), mongo: str(p, 'mongo'), home: str(p, 'home') }));
  try {
    const report = traceReport(key, await store.timeline(key));
    if (bool(p, 'json')) ctx.io.out(JSON.stringify(report, null, 2));
    else for (const line of formatTrace(report, ctx.style())) ctx.io.out(line);
    return report.events.length === 0 ? 5 : 0;
  } finally {
    await close();
  }
}
