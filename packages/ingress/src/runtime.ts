// How the ingress process is started: the Dockerfile's CMD, `wamesh dev` and the benchmark all
// use these. V8 sizes its parallel GC helpers by the host's cores, not by the share the process
// gets; beside nats-server on two cores those helpers wait for a core mid-pause, and one GC
// thread measured ~10 % more requests/s and half the p99 at half load (ingress README).
import { fileURLToPath } from 'node:url';

export const INGRESS_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** The composition root, main.ts, as a path for `node`. */
export const INGRESS_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
