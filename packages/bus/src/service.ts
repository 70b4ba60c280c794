// The shape every service's main.ts shares (ingress, consumer, relay): a bad environment
// stops start-up with EXIT_BAD_ENV and one line naming the variables (never their values);
// the first SIGTERM or SIGINT starts the graceful stop and a second one exits at once; the
// run closes what it opened in its own `finally`, then runService exits 0, or 1 on failure.
import { EnvError } from './env.ts';
import type { BusLogger } from './logger.ts';

/** Exit code of a service whose environment is bad (documented in each service's README). */
export const EXIT_BAD_ENV = 1;
/** Exit code of a service that failed at start-up or at run time. */
export const EXIT_FAILED = 1;

/** The service's configuration; on an EnvError, one line on stderr and exit EXIT_BAD_ENV. */
export function loadEnvOrExit<C>(service: string, load: () => C): C {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exit(EXIT_BAD_ENV);
  }
}

/** Resolves with the first SIGTERM or SIGINT from now on; a second one exits at once. */
export function shutdownSignal(logger: BusLogger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const s of SIGNALS) process.off(s, first);
      for (const s of SIGNALS) {
        process.once(s, () => {
          logger.warn({ signal: s }, 'second signal: exiting without finishing the stop');
          process.exit(EXIT_FAILED);
        });
      }
      resolve(signal);
    };
    for (const s of SIGNALS) process.on(s, first);
  });
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Runs `run` (which closes what it opened in its `finally`): exit 0 when it resolves, EXIT_FAILED when it throws. */
export function runService(service: string, logger: BusLogger, run: () => Promise<void>): void {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, `${service} failed`);
      process.exit(EXIT_FAILED);
    },
  );
}
