import { createServer, type Server } from 'node:net';

// Ports are drawn below the kernel's ephemeral range (32768+ here): a port handed out
// there can be taken by any client socket's source port before the server binds it.
const LOW = 10_000;
const HIGH = 32_000;

/**
 * n distinct free TCP ports on 127.0.0.1, each checked by binding it. All listeners stay
 * open until every port is picked, so the same port is never handed out twice in one call.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < n) {
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
      if (ports.includes(port)) continue;
      const srv = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (!bound) continue;
      servers.push(srv);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
