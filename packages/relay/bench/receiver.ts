// The bench's endpoint, in its own process so it does not share the relay's thread: reads
// each body and answers 204 after argv[2] ms (a receiver's own work). Prints its URL on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const workMs = Number(process.argv[2] ?? 0);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => (workMs > 0 ? setTimeout(() => res.writeHead(204).end(), workMs) : res.writeHead(204).end()));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook\n`);
});
