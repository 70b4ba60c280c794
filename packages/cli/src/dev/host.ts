// The mesh host: started by `wamesh dev` (front.ts) in a session of its own, configured over
// IPC. Starts NATS (through the test harness, so its servers are in our process group),
// provisions every region, starts ingress and consumer per region, writes the state file,
// and stops it all in order on SIGTERM or when the front goes away.
import { relative } from 'node:path';
import { type NatsMesh, startMesh } from '@wamesh/nats-harness';
import { projectRoot } from '../paths.ts';
import { removeDevState, writeDevState } from '../state.ts';
import type { HostMessage } from './front.ts';
import { type DevConfig, logDir, natsBasePortOf, natsDataDir, planDev, superCluster } from './plan.ts';
import { provisionDev } from './provision-dev.ts';
import { consumerSpec, devEndpointName, ingressSpec, relaySpec, waitReady } from './services.ts';
import { type Child, logTail, Supervisor } from './supervisor.ts';

const send = (m: HostMessage): void => {
  if (process.connected) process.send?.(m);
};
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const note = (line: string): void => void process.stderr.write(`${line}\n`);

async function host(cfg: DevConfig): Promise<void> {
  const sup = new Supervisor({
    started: (pgid, name) => send({ type: 'group', pgid, name }),
    stopped: (pgid) => send({ type: 'ungroup', pgid }),
  });
  const ingress: Child[] = [];
  const consumers: Child[] = [];
  const relay: Child[] = [];
  let mesh: NatsMesh | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      // The relay last of the services: it delivers what the consumers committed before them.
      await sup.stopAll([ingress, consumers, relay]);
      await mesh?.stop().catch((err: Error) => note(`wamesh dev: stopping NATS: ${err.message}`));
      removeDevState(cfg.home, process.pid);
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // The front is gone (even SIGKILL closes the channel): nobody to hand back to, stop.
  process.on('disconnect', () => void stop(0));
  sup.onUnexpectedExit((child, code, signal) => {
    note(`wamesh dev: ${child.spec.name} exited (${signal ?? `code ${code}`}); its last log lines:`);
    note(logTail(child.spec.logFile));
    note(`(full log: ${child.spec.logFile}); stopping the mesh`);
    void stop(1);
  });

  try {
    const plan = await planDev(cfg);
    mesh = await startMesh(
      { clusters: cfg.regions.map((name) => ({ name, size: 1 })), gateways: superCluster(cfg) },
      {
        dataDir: natsDataDir(cfg.home),
        keepData: true,
        basePort: natsBasePortOf(cfg.portBase),
        logToFile: true,
        bin: cfg.natsBin,
        readyTimeoutMs: 30_000,
      },
    );
    const urlOf = (region: string): string => mesh!.regions[region]![0]!;
    await provisionDev(cfg, urlOf);

    for (const r of plan.regions) consumers.push(sup.start(consumerSpec(cfg, r, urlOf(r.region))));
    for (const r of plan.regions) ingress.push(sup.start(ingressSpec(cfg, r, urlOf(r.region))));
    relay.push(sup.start(relaySpec(cfg, plan.relayPort, urlOf(plan.regions[0]!.region))));
    const base = (port: number) => `http://127.0.0.1:${port}`;
    await Promise.all([
      ...relay.map((c) =>
        waitReady(base(plan.relayPort!), () => c.running, 60_000).catch((err: Error) => {
          throw new Error(`relay: ${err.message}`);
        }),
      ),
      ...plan.regions.flatMap((r, i) => [
        waitReady(base(r.ingressPort), () => ingress[i]!.running, 60_000).catch((err: Error) => {
          throw new Error(`ingress ${r.region}: ${err.message}`);
        }),
        waitReady(base(r.consumerPort), () => consumers[i]!.running, 60_000).catch((err: Error) => {
          throw new Error(`consumer ${r.region}: ${err.message}`);
        }),
      ]),
    ]);

    writeDevState(cfg.home, {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      shards: cfg.shards,
      store: cfg.store,
      ...(cfg.store === 'mongo' && cfg.mongoUri ? { mongoUri: cfg.mongoUri, mongoDb: cfg.mongoDb } : {}),
      appSecret: cfg.appSecret,
      verifyToken: cfg.verifyToken,
      regions: plan.regions.map((r) => ({
        region: r.region,
        cluster: r.cluster,
        natsUrl: urlOf(r.region),
        ingressUrl: `${base(r.ingressPort)}/webhook`,
        consumerUrl: base(r.consumerPort),
      })),
      processes: [
        { name: 'wamesh dev', pid: process.ppid },
        { name: 'mesh host', pid: process.pid },
        ...plan.regions.map((r, i) => ({ name: `nats ${r.region}`, pid: mesh!.servers[i]?.pid ?? -1 })),
        ...sup.children.map((c) => ({ name: c.spec.name, pid: c.pid })),
      ],
    });
    const rel = (p: string) => {
      const r = relative(projectRoot(), p);
      return r.startsWith('..') ? p : r || '.';
    };
    for (const r of plan.regions) note(`nats    ${r.region} ${urlOf(r.region)}`);
    note(`store   ${cfg.store}${cfg.store === 'mongo' ? ` (${cfg.mongoDb})` : ' (NATS KV)'}; logs in ${rel(logDir(cfg.home))}/`);
    for (const line of relayLines(cfg, relay.length > 0)) note(line);
    for (const r of plan.regions) say(`ingress ${r.region} ${base(r.ingressPort)}/webhook`);
    say('ready');
    note('try: pnpm wamesh simulate --duration 10s   (Ctrl-C here stops the mesh)');
    send({ type: 'ready' });
  } catch (err) {
    if (stopping) return;
    note(`wamesh dev: could not start: ${(err as Error).message}`);
    await stop(1);
  }
}

/** Where the relay delivers, and the receiver to run for each endpoint (`wamesh receive` verifies with the secret). */
function relayLines(cfg: DevConfig, running: boolean): string[] {
  if (!running) return ["relay   not started: it reads the kv store's event log (wamesh dev --store kv)"];
  return cfg.relay.endpoints.map((url, i) => {
    const port = new URL(url).port || (url.startsWith('https:') ? '443' : '80');
    return `relay   ${devEndpointName(i)} -> ${url} (run: pnpm exec wamesh receive --port ${port} --secret ${cfg.relay.secret})`;
  });
}

process.once('message', (m: { type: 'start'; cfg: DevConfig }) => {
  if (m.type === 'start') void host(m.cfg);
});
