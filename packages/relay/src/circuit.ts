// An endpoint that keeps failing stops getting attempts: after `failures` failed attempts in
// a row the circuit opens; after a cooldown one probe goes out; its success closes the
// circuit, its failure reopens it for longer (the one retry policy, bus `backoff`).
import { type Backoff, backoff } from '@wamesh/bus';

export interface CircuitOptions {
  failures: number;
  cooldownMs: number;
  maxCooldownMs: number;
  /** Called when the circuit opens or closes. */
  onChange?(open: boolean): void;
}

export class Circuit {
  private failed = 0;
  private openings = 0;
  private openUntil = 0;
  private probing = false;

  private readonly opts: CircuitOptions;
  private readonly cooldown: Backoff;

  constructor(opts: CircuitOptions) {
    this.opts = opts;
    this.cooldown = backoff({ initialMs: opts.cooldownMs, maxMs: opts.maxCooldownMs });
  }

  isOpen(): boolean {
    return this.openings > 0;
  }

  /** When attempts may go out again (0: now). */
  blockedUntil(now: number): number {
    if (this.openings === 0) return 0;
    if (this.probing) return Number.POSITIVE_INFINITY;
    return this.openUntil > now ? this.openUntil : 0;
  }

  /** An attempt goes out; while open it is the one probe. */
  begin(): void {
    if (this.openings > 0) this.probing = true;
  }

  success(): void {
    this.failed = 0;
    this.probing = false;
    if (this.openings > 0) {
      this.openings = 0;
      this.opts.onChange?.(false);
    }
  }

  failure(now: number): void {
    this.failed++;
    const wasProbe = this.probing;
    this.probing = false;
    if (wasProbe || (this.openings === 0 && this.failed >= this.opts.failures)) {
      this.openings++;
      this.openUntil = now + this.cooldown(this.openings);
      if (this.openings === 1) this.opts.onChange?.(true);
    }
  }
}
