// A loopback webhook receiver that acknowledges everything and counts each webhook-id it is sent,
// so a test can tell "delivered once" from "delivered twice" whichever process delivered it.
import { createServer } from 'node:http';

export interface Receiver {
  url: string;
  /** How many times each webhook-id arrived. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

/** `latencyMs`: how long each answer takes (widens the window in which two workers could race). */
export async function startReceiver(latencyMs = 0): Promise<Receiver> {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      setTimeout(() => res.writeHead(204).end(), latencyMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`,
    seen,
    close: () => {
      server.closeAllConnections(); // keep-alive sockets of the nodes would hold close() open
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}
