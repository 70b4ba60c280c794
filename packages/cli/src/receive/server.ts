// An example HTTP receiver of the relay's deliveries: each POST is verified with the
// client's verifyWebhook (Standard Webhooks: webhook-id, -timestamp, -signature over the
// raw body) and answered 200, or 401 when it does not verify. The relay reads anything
// but a 2xx, 408, 429 or 5xx as final, so a refused delivery goes to its dead letters.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FeedEntry, verifyWebhook } from '@wamesh/client';

/** Larger bodies are refused (413): a feed entry is one event and one document. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface ReceiverOptions {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  secrets: string[];
  /** A verified delivery; answered 200 after this returns. */
  onEntry(entry: FeedEntry): void;
  /** A delivery refused, with the status it got and why. */
  onRefused(status: number, reason: string, webhookId: string | undefined): void;
}

export interface RunningReceiver {
  /** http://host:port/hook (any path is accepted). */
  url: string;
  close(): Promise<void>;
}

export async function startReceiver(opts: ReceiverOptions): Promise<RunningReceiver> {
  const server: Server = createServer((req, res) => {
    const refuse = (status: number, reason: string) => {
      opts.onRefused(status, reason, req.headers['webhook-id'] as string | undefined);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    };
    if (req.method !== 'POST') return refuse(405, `${req.method} is not a delivery (POST)`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);
      let entry: FeedEntry;
      try {
        entry = verifyWebhook(req.headers, Buffer.concat(chunks), opts.secrets);
      } catch (err) {
        return refuse(401, (err as Error).message);
      }
      opts.onEntry(entry);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/hook`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
