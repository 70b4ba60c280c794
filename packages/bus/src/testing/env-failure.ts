// For the services' env tests: the error a bad environment stops start-up with.
import type { EnvError, EnvSource } from '../env.ts';

/** What `load(env)` throws, checked to be an `Err`; anything else (or no error) fails the test. */
export function envFailure(load: (env: EnvSource) => unknown, Err: abstract new (...args: never[]) => EnvError, env: EnvSource): EnvError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof Err) return err;
    throw err;
  }
  throw new Error(`expected ${load.name} to throw a ${Err.name}`);
}
