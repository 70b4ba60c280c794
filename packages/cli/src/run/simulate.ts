import { randomInt } from 'node:crypto';
import { sleep } from '@wamesh/bus';
import { CliError } from '../errors.ts';
import { regionsOf } from '../options.ts';
import { checkStore } from '../simulate/check.ts';
import { deliver } from '../simulate/deliver.ts';
import { waitDrained } from '../simulate/drain.ts';
import { progress } from '../simulate/progress.ts';
import { buildScenario } from '../simulate/scenario.ts';
import { scheduleSends } from '../simulate/schedule.ts';
import { formatTally, type Tally } from '../simulate/tally.ts';
import { expectedState } from '../simulate/verify.ts';
import { openStore, resolveTarget, type Target, type TargetFlags } from '../target.ts';
import type { Context } from '../commands/context.ts';

export interface SimulateFlags {
  rate: number;
  duration: number;
  conversations: number;
  jitterMs: number;
  duplicateRate: number;
  inversionRate: number;
  regions?: string[];
  region?: string[];
  seed?: number;
  drainTimeout: number;
  ingress?: string[];
  targets?: string[];
  appSecret?: string;
  shards?: number;
  nats?: string;
  mongo?: string;
  home?: string;
  json?: true;
}

export async function simulateCommand(ctx: Context, flags: SimulateFlags): Promise<number> {
  const ingressFlags = [...(flags.ingress ?? []), ...(flags.targets ?? [])];
  const target = findTarget(ctx, flags, ingressFlags.length > 0);
  const ingress = ingressUrls(ingressFlags, target?.dev?.regions);
  const wanted = regionsOf(flags);
  for (const r of wanted) if (!ingress[r]) throw new CliError('E_USAGE', `no ingress for region ${r}; known: ${Object.keys(ingress).join(', ')}`);
  const regions = wanted.length ? wanted : Object.keys(ingress);
  const appSecret = flags.appSecret ?? target?.dev?.appSecret ?? ctx.env.WA_APP_SECRETS?.split(',')[0]?.trim();
  if (!appSecret) throw new CliError('E_USAGE', 'wamesh simulate: --app-secret (or WA_APP_SECRETS) is needed without a dev mesh');
  const shards = flags.shards ?? target?.dev?.shards ?? 16;

  const duration = flags.duration;
  const seed = flags.seed ?? randomInt(1, 2 ** 31);
  const scenario = buildScenario({
    seed,
    conversations: flags.conversations,
    webhooks: Math.max(1, Math.round((flags.rate * duration) / 1000)),
    startSeconds: Math.floor(Date.now() / 1000) - 120,
    runId: String(seed).padStart(10, '0'),
  });
  const sends = scheduleSends(scenario, {
    durationMs: duration,
    jitterMs: flags.jitterMs,
    duplicateRate: flags.duplicateRate,
    inversionRate: flags.inversionRate,
    regions,
    seed,
  });

  const json = flags.json === true;
  if (!json) {
    ctx.io.err(
      `simulate: seed ${seed}, ${scenario.webhooks.length} webhooks over ${duration / 1000}s to ${regions.join(', ')} ` +
        `(${scenario.waIds.length} conversations)`,
    );
  }
  const bar = progress(ctx.io, sends.length, json);
  const { tally: delivery, accepted } = await deliver(scenario, sends, {
    ingress,
    appSecret,
    onSettled: (t) => bar.update(t),
  });
  bar.done(delivery);

  if (!target) {
    ctx.io.err(
      'simulate: no store to check against (no dev mesh, --nats/--mongo, NATS_URLS or MONGODB_URI): ' +
        `delivered ${delivery.accepted}/${sends.length}, final states not checked`,
    );
    return delivery.failed.length ? 1 : 0;
  }
  const sentAt = performance.now();
  const expected = expectedState(scenario, accepted, shards);
  const { store, close } = await openStore(ctx, target);
  try {
    const drained = target.natsUrls.length
      ? await waitDrained(ctx, target.natsUrls, regions, flags.drainTimeout)
      : { drained: true, waitedMs: 0 };
    const drainedAt = performance.now();
    let check = await checkStore(store, scenario, expected);
    // The log and the documents are written before the ack, so a drained mesh is final;
    // still, a mismatch is looked at twice more before it is reported.
    for (let i = 0; i < 2 && (check.mismatches.length || check.missingFromLog.length); i++) {
      await sleep(1000);
      check = await checkStore(store, scenario, expected);
    }
    const secs = (a: number, b: number) => Math.round((b - a) / 100) / 10;
    if (!json) ctx.io.err(`simulate: drained in ${secs(sentAt, drainedAt)}s, checked in ${secs(drainedAt, performance.now())}s`);
    const tally: Tally = {
      seed,
      regions,
      webhooks: scenario.webhooks.length,
      posts: sends.length,
      duplicatesSent: delivery.duplicatesSent,
      eventsSent: expected.eventIds.size,
      accepted: delivery.accepted,
      retries: delivery.retries,
      failed: delivery.failed.length,
      duplicatesSeenByIngress: delivery.duplicatesSeen,
      drained: drained.drained,
      outcomes: check.outcomes,
      stale: check.outcomes.stale,
      messagesChecked: check.messagesChecked,
      conversationsChecked: check.conversationsChecked,
      missingFromLog: check.missingFromLog.length,
      mismatches: check.mismatches.length,
      ...(check.invertedWamid ? { invertedWamid: check.invertedWamid } : {}),
    };
    if (json) ctx.io.out(JSON.stringify({ ...tally, mismatchSamples: check.mismatches.slice(0, 5), failedSamples: delivery.failed.slice(0, 5) }, null, 2));
    else {
      for (const line of formatTally(tally, ctx.style())) ctx.io.out(line);
      for (const m of check.mismatches.slice(0, 5)) {
        ctx.io.err(`mismatch ${m.what}\n  expected ${JSON.stringify(m.expected)}\n  actual   ${JSON.stringify(m.actual)}`);
      }
      for (const f of delivery.failed.slice(0, 5)) ctx.io.err(`not delivered: webhook ${f.seq} to ${f.region}: ${f.why}`);
    }
    return tally.mismatches || tally.failed || tally.missingFromLog ? 1 : 0;
  } finally {
    await close();
  }
}

/** Without explicit ingress URLs the mesh is required; with them, checking is optional. */
function findTarget(ctx: Context, flags: TargetFlags, optional: boolean): Target | undefined {
  try {
    return resolveTarget(ctx, flags);
  } catch (err) {
    if (optional && err instanceof CliError && err.code === 'E_NO_MESH') return undefined;
    throw err;
  }
}

/** `--ingress us-east=http://host:8080[/webhook]` flags, else the dev mesh's ingress URLs. */
function ingressUrls(flags: string[], dev: { region: string; ingressUrl: string }[] | undefined): Record<string, string> {
  if (flags.length) {
    const out: Record<string, string> = {};
    for (const f of flags) {
      const eq = f.indexOf('=');
      let url: URL;
      try {
        url = new URL(f.slice(eq + 1));
      } catch {
        throw new CliError('E_USAGE', `--ingress wants region=url, got "${f}"`);
      }
      if (eq < 1) throw new CliError('E_USAGE', `--ingress wants region=url, got "${f}"`);
      if (url.pathname === '/' || url.pathname === '') url.pathname = '/webhook';
      out[f.slice(0, eq)] = url.toString();
    }
    return out;
  }
  if (!dev) throw new CliError('E_NO_MESH', 'wamesh simulate: no dev mesh running; start `pnpm wamesh dev` or pass --ingress region=url');
  return Object.fromEntries(dev.map((r) => [r.region, r.ingressUrl]));
}
