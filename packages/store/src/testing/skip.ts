// How a test file reports a suite that cannot run here (its server is missing): loudly.
import { describe, it } from 'vitest';

/**
 * A suite whose server cannot run here: the reason is printed (tagged, e.g. `[store contract]`)
 * and is the name of its one skipped test, so a skipped run is never mistaken for a pass.
 */
export function describeSkipped(tag: string, name: string, reason: string): void {
  console.warn(`[${tag}] ${name}: SKIPPED, ${reason}`);
  describe(`${tag}: ${name}`, () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
}
