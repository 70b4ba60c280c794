// (b) in a process of its own, started with the ingress's node flags: raw JetStream publishes
// with nats.js's own js.publish, `window` in flight, no HTTP: the durable-publish rate the
// ingress is compared with. `node raw-publish.ts '<json RawPublishOptions>'`; each line on stdin
// (`{"warmupSec":S}`) runs once and answers with a Sample as one JSON line.
import { createInterface } from 'node:readline';
import { jetstream } from '@nats-io/jetstream';
import { connectNats, encodeMeta, silentLogger } from '@wamesh/bus';
import { subjectOf } from '@wamesh/core';
import { eventFactory } from './bodies.ts';
import { cpuMicrosOf, type Sample } from './measure.ts';
import { percentile } from './stats.ts';

export interface RawPublishOptions {
  natsUrls: string[];
  natsPid: number;
  region: string;
  shards: number;
  window: number;
  durationSec: number;
  runId: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as RawPublishOptions;
const nc = await connectNats({ servers: opts.natsUrls, name: 'wamesh-bench-raw' }, silentLogger, { overrides: { noAsyncTraces: true } });
const js = jetstream(nc);
const nextEvent = eventFactory(opts.runId, opts.shards);

async function publishFor(ms: number, latencies?: number[]): Promise<number> {
  const until = performance.now() + ms;
  let failed = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const event = nextEvent();
      const t0 = performance.now();
      try {
        await js.publish(subjectOf(opts.region, event.kind, event.shard), JSON.stringify(event), {
          msgID: event.id,
          headers: encodeMeta({ region: opts.region, receivedAt: Date.now() }),
          timeout: 5_000,
        });
        latencies?.push(performance.now() - t0);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.window }, worker));
  return failed;
}

async function sample(warmupSec: number): Promise<Sample> {
  if (warmupSec > 0) await publishFor(warmupSec * 1000);
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const nats0 = cpuMicrosOf(opts.natsPid);
  const t0 = performance.now();
  const failed = await publishFor(opts.durationSec * 1000, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (failed) console.error(`  b: ${failed} publishes failed`);
  latencies.sort((x, y) => x - y);
  const n = Math.max(1, latencies.length);
  return {
    rps: latencies.length / seconds,
    eps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: (cpu.user + cpu.system) / n,
    natsCpu: (cpuMicrosOf(opts.natsPid) - nats0) / n,
    loadCpu: 0,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  const { warmupSec } = JSON.parse(line) as { warmupSec: number };
  process.stdout.write(`${JSON.stringify(await sample(warmupSec))}\n`);
}
await nc.close();
