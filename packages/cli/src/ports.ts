import { createServer, Socket } from 'node:net';

/** True when nothing listens on host:port and we may bind it. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.connect(port, host);
  });
}

export interface PortClaim {
  port: number;
  /** What wamesh wanted it for, e.g. "ingress us-east". */
  purpose: string;
}

/** The claims whose port is already taken, in the order given. */
export async function takenPorts(claims: PortClaim[]): Promise<PortClaim[]> {
  const taken: PortClaim[] = [];
  for (const c of claims) if (!(await isPortFree(c.port))) taken.push(c);
  return taken;
}
