// A service main in the shared shape, as a process of its own for service.test.ts. It
// needs WAMESH_REGION; once running it prints "ready", on the first signal "stopping", and
// its `finally` prints "closed" after a pause long enough for a second signal to arrive.
import { z } from 'zod';
import { parseEnv, regionEnvShape } from '../env.ts';
import { sleep } from '../retry.ts';
import { loadEnvOrExit, runService, shutdownSignal } from '../service.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const logger = { debug() {}, info() {}, warn: () => say('second signal'), error: () => say('failed') };
const config = loadEnvOrExit('test-service', () => parseEnv(z.object(regionEnvShape), process.env));

runService('test-service', logger, async () => {
  const stop = shutdownSignal(logger);
  const open = setInterval(() => {}, 60_000); // what a real service holds open (NATS, HTTP)
  try {
    say(`ready ${config.WAMESH_REGION}`);
    say(`stopping ${await stop}`);
  } finally {
    await sleep(Number(process.env.CLOSE_MS ?? 0));
    clearInterval(open);
    say('closed');
  }
});
