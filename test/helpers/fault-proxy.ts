// A fault-injecting HTTP proxy on loopback, between Kasir's connectors and their upstream (another
// Kasir), or between an upstream and Kasir's notifyUrl. Each armed fault applies once, to the next
// request whose path matches, at the worst moment a real network offers:
//   delay_response   the upstream answers (and has committed), the answer arrives after `ms`
//   hold             the upstream committed, its answer is held until `release()` (gone if the caller gave up)
//   drop_after       the upstream committed, then the connection is cut without an answer
//   status_5xx       the upstream committed, the caller gets a 502 from "the load balancer"
//   garbage          the upstream committed, the caller gets 200 with a body that is not JSON
//   bad_signature    the upstream committed, its answer arrives with its signature header altered
//   strip_signature  the upstream committed, its answer arrives without its signature header
//   refuse           nothing is forwarded: 503 (for notifications: "the receiver is down")
//   hang             nothing is forwarded and nothing answers, until the caller closes the connection
// `down()` closes the listening socket (connection refused: nothing reached the upstream) until `up()`.
// With `stripPrefix`, it is also a reverse proxy that mounts the target under a path: a request
// for `/prefix/x` is forwarded as `/x` (anything else is a 404 from the proxy).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Fault =
  | { kind: 'delay_response'; ms: number }
  | { kind: 'drop_after' }
  | { kind: 'status_5xx' }
  | { kind: 'garbage' }
  | { kind: 'bad_signature' }
  | { kind: 'strip_signature' }
  | { kind: 'refuse' }
  | { kind: 'hang' }
  | { kind: 'hold' };

export interface FaultProxy {
  url: string;
  /** Arms `fault` for the next `times` requests whose path matches. */
  arm(path: RegExp, fault: Fault, times?: number): void;
  /** Forgets every armed fault not used yet. */
  disarm(): void;
  /**
   * Lets every held answer go, once the upstream has given it: resolves when each was passed on (or
   * dropped, its caller having given up), so the upstream has surely done its work. How many.
   */
  release(): Promise<number>;
  /**
   * Resolves once every request seen so far has had its answer passed on (late, for delay_response)
   * or dropped: a test waits for that moment instead of sleeping for the fault's length.
   */
  settled(): Promise<void>;
  /** Every request seen, in order (path and the fault applied, if any). */
  seen: { path: string; fault: Fault['kind'] | null }[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface Armed {
  path: RegExp;
  fault: Fault;
  left: number;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface Held {
  go: () => void;
  passed: Promise<void>;
}

export async function startFaultProxy(target: string, o: { stripPrefix?: string } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const armed: Armed[] = [];
  const held: Held[] = [];
  const seen: FaultProxy['seen'] = [];
  const sockets = new Set<Socket>();
  const handling = new Set<Promise<void>>();
  let port = 0;
  let server: Server;

  const forward = (req: IncomingMessage, url: string, body: Buffer) =>
    new Promise<Answer>((ok, fail) => {
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: { ...req.headers, host: upstream.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      });
      out.on('error', fail);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let url = req.url ?? '/';
    if (o.stripPrefix !== undefined) {
      if (url !== o.stripPrefix && !url.startsWith(`${o.stripPrefix}/`) && !url.startsWith(`${o.stripPrefix}?`)) return res.writeHead(404).end('not found');
      url = url.slice(o.stripPrefix.length) || '/';
    }
    const path = url.split('?')[0];
    const hit = armed.find((a) => a.left > 0 && a.path.test(path));
    if (hit) hit.left--;
    const fault = hit?.fault ?? null;
    seen.push({ path, fault: fault?.kind ?? null });
    if (fault?.kind === 'refuse') return res.writeHead(503).end('receiver down');
    if (fault?.kind === 'hang') return; // the socket stays open until the caller (or close()) ends it
    // A held answer waits for release(), which waits for it to be passed on.
    let passed = () => {};
    let released: Promise<void> | null = null;
    if (fault?.kind === 'hold') {
      let go = () => {};
      released = new Promise<void>((ok) => (go = ok));
      held.push({ go, passed: new Promise<void>((ok) => (passed = ok)) });
    }
    try {
      let answer;
      try {
        answer = await forward(req, url, Buffer.concat(chunks));
      } catch {
        return res.writeHead(502).end('bad gateway');
      }
      if (released) await released;
      await reply(req, res, fault, answer);
    } finally {
      passed();
    }
  };

  const reply = async (req: IncomingMessage, res: ServerResponse, fault: Fault | null, answer: Answer) => {
    if (res.destroyed) return; // the caller gave up: the answer goes nowhere
    switch (fault?.kind) {
      case 'drop_after':
        return req.socket.destroy();
      case 'status_5xx':
        return res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
      case 'garbage':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"result": <<garbage');
      case 'bad_signature': {
        const headers = { ...answer.headers };
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'signature') headers[name] = String(headers[name]).replace(/signature=([A-Za-z0-9%])/, 'signature=X$1');
        }
        return res.writeHead(answer.status, headers).end(answer.body);
      }
      case 'strip_signature': {
        const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => name.toLowerCase() !== 'signature'));
        return res.writeHead(answer.status, headers).end(answer.body);
      }
      case 'delay_response':
        await sleep(fault.ms);
        break;
    }
    if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
  };

  const listen = async () => {
    server = createServer((req, res) => {
      const done: Promise<void> = handle(req, res)
        .then(() => {}, () => void res.destroy())
        .finally(() => handling.delete(done));
      handling.add(done);
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', ok));
    port = (server.address() as { port: number }).port;
  };
  const releaseAll = async () => {
    const now = held.splice(0);
    for (const h of now) h.go();
    await Promise.all(now.map((h) => h.passed));
    return now.length;
  };
  const stop = async () => {
    for (const h of held.splice(0)) h.go();
    for (const s of sockets) s.destroy();
    await new Promise((ok) => server.close(ok));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    arm(path, fault, times = 1) {
      armed.push({ path, fault, left: times });
    },
    disarm() {
      armed.length = 0;
    },
    release: releaseAll,
    settled: async () => void (await Promise.all(handling)),
    seen,
    down: stop,
    up: listen,
    close: stop,
  };
}
