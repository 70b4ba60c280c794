// When and where each webhook goes: spread over the run, jittered, some pairs of the same
// conversation swapped (an inversion), some bodies sent twice to any region (Meta's retries).
import { rng } from './rng.ts';
import type { Scenario } from './scenario.ts';

export interface ScheduleOptions {
  durationMs: number;
  jitterMs: number;
  duplicateRate: number;
  inversionRate: number;
  regions: string[];
  seed: number;
}

export interface Send {
  /** Milliseconds after the start of the run. */
  at: number;
  seq: number;
  region: string;
  duplicate: boolean;
}

export function scheduleSends(scenario: Scenario, opts: ScheduleOptions): Send[] {
  const r = rng(opts.seed ^ 0x5eed);
  const n = scenario.webhooks.length;
  const slot = n > 0 ? opts.durationMs / n : 0;
  const base = scenario.webhooks.map((w) => w.seq * slot);

  // Swap a webhook's slot with the next one of its conversation: it will arrive after it.
  const nextOf = new Map<number, number>();
  const lastOfConv = new Map<number, number>();
  for (const w of scenario.webhooks) {
    const prev = lastOfConv.get(w.conversation);
    if (prev !== undefined) nextOf.set(prev, w.seq);
    lastOfConv.set(w.conversation, w.seq);
  }
  for (const w of scenario.webhooks) {
    const later = nextOf.get(w.seq);
    if (later !== undefined && r.chance(opts.inversionRate)) {
      [base[w.seq], base[later]] = [base[later]!, base[w.seq]!];
    }
  }

  const sends: Send[] = [];
  for (const w of scenario.webhooks) {
    const at = base[w.seq]! + r.next() * opts.jitterMs;
    sends.push({ at, seq: w.seq, region: r.pick(opts.regions), duplicate: false });
    if (r.chance(opts.duplicateRate)) {
      sends.push({ at: at + r.next() * (2 * opts.jitterMs + 500), seq: w.seq, region: r.pick(opts.regions), duplicate: true });
    }
  }
  return sends.sort((a, b) => a.at - b.at);
}
