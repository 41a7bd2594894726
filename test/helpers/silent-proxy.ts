// A TCP proxy on loopback in front of PostgreSQL whose `silence()` cuts the connections it carries
// without a word: what either side sends is dropped, nothing is closed (a dead network path).
// Connections opened afterwards pass. `reset()` ends the silenced ones as a network that comes back
// would: with a reset.
import { connect, createServer, type Socket } from 'node:net';

export interface SilentProxy {
  /** DATABASE_URL through the proxy. */
  url: string;
  /** From now on, every connection opened so far carries nothing either way. */
  silence(): void;
  /** Ends the silenced connections (their clients see a reset). */
  reset(): void;
  close(): Promise<void>;
}

export async function silentProxy(target: URL): Promise<SilentProxy> {
  const carried: Socket[] = [];
  let silenced = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    carried.push(client, upstream);
    const pipe = (from: Socket, to: Socket) => from.on('data', (d) => silenced.has(from) || to.write(d)).on('error', () => to.destroy());
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = new URL(target.href);
  url.port = String((server.address() as { port: number }).port);
  url.hostname = '127.0.0.1';
  return {
    url: url.href,
    silence: () => (silenced = new Set(carried)),
    reset: () => silenced.forEach((s) => s.destroy()),
    close: () => {
      for (const s of carried) s.destroy();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}
