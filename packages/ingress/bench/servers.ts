// A benchmark target in a process of its own, started with the ingress's node flags:
// `node servers.ts '<json ServerOptions>'`, prints its URL on a line once it listens, stops on
// SIGTERM. Both read the body as bytes like the ingress does:
//   a:  a bare route answering 200;
//   c0: the floor of any ingress on this machine: durably publish one prebuilt event with the
//       ingress's own bus publisher and answer, nothing else (no signature, parse, validation,
//       spans, metrics or logs).
import { connectNats, createPublisher, silentLogger } from '@wamesh/bus';
import Fastify from 'fastify';
import { eventFactory } from './bodies.ts';

export interface ServerOptions {
  kind: 'a' | 'c0';
  natsUrls: string[];
  region: string;
  shards: number;
  runId: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const app = Fastify();
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
if (opts.kind === 'a') {
  app.post('/webhook', async () => 'ok');
} else {
  const nc = await connectNats({ servers: opts.natsUrls, name: 'wamesh-bench-floor' }, silentLogger, { overrides: { noAsyncTraces: true } });
  const publisher = createPublisher(nc, { timeoutMs: 5_000 });
  const nextEvent = eventFactory(opts.runId, opts.shards);
  app.post('/webhook', async (_req, reply) => {
    const r = await publisher.publish([{ event: nextEvent(), meta: { region: opts.region, receivedAt: Date.now() } }]);
    return reply.type('application/json').send(`{"received":1,"duplicates":${r.duplicates}}`);
  });
}
process.stdout.write(`${await app.listen({ port: 0, host: '127.0.0.1' })}/webhook\n`);
process.once('SIGTERM', () => process.exit(0));
