// The load generator, run in a worker thread so that signing requests and parsing responses do not
// share the server's event loop. It speaks HTTP/1.1 over one raw keep-alive socket per lane (like
// autocannon does) because node's http client costs more CPU per request than the no-op route it
// measures, and on a small machine every cycle the client burns is taken from the server.
// Fires one signed POST per path with a fixed number of requests in flight, never more than
// `paths.length` requests and never past `deadline`; it stops by itself.
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  origin: string; // http://127.0.0.1:<port>
  paths: string[];
  body: string;
  apiKey: string;
  apiSecret: string;
  concurrency: number;
  /** First X-Timestamp (epoch ms); request i signs tsStart + i, so no two requests replay each other. */
  tsStart: number;
  /** Wall-clock cap (epoch ms): no request is started after it. */
  deadline: number;
}

export interface LoadResult {
  latenciesMs: Float64Array; // one per completed request, in completion order
  statuses: Record<string, number>;
  failures: string[]; // a few samples: status and body
  started: number; // requests started
  elapsedMs: number; // first request sent → last response read
  timedOut: boolean;
}

interface Response {
  status: number;
  body: string;
}

/** One keep-alive connection: write a request, read exactly one Content-Length response. */
class Connection {
  private socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Response) => void; reject: (e: Error) => void } | null = null;
  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.tryParse();
    });
    const fail = (err: Error) => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(err);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }
  request(text: string): Promise<Response> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(text);
    });
  }
  private tryParse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.socket.destroy(new Error(`response without content-length: ${head.slice(0, 200)}`));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    const res = { status: Number(head.slice(9, 12)), body: this.buf.toString('utf8', end + 4, total) };
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(res);
  }
  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.origin);
  const port = Number(url.port);
  const bodyBytes = Buffer.byteLength(job.body);
  const fixed = `Host: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes}\r\nX-API-Key: ${job.apiKey}\r\n`;
  const latencies = new Float64Array(job.paths.length);
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  let timedOut = false;

  const record = (i: number, t0: number, status: string, detail: string | null) => {
    latencies[done++] = performance.now() - t0;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (detail !== null && failures.length < 5) failures.push(`${status} ${job.paths[i]} ${detail.slice(0, 300)}`);
  };

  const lane = async () => {
    let conn = new Connection(url.hostname, port);
    while (next < job.paths.length) {
      if (Date.now() > job.deadline) {
        timedOut = true;
        break;
      }
      const i = next++;
      const ts = String(job.tsStart + i);
      const sig = createHmac('sha256', job.apiSecret).update(`${ts}.`).update(job.body).digest('hex');
      const text = `POST ${job.paths[i]} HTTP/1.1\r\n${fixed}X-Timestamp: ${ts}\r\nX-Signature: sha256=${sig}\r\n\r\n${job.body}`;
      const t0 = performance.now();
      try {
        const res = await conn.request(text);
        record(i, t0, String(res.status), res.status === 200 ? null : res.body);
      } catch (err) {
        record(i, t0, 'error', (err as Error).message);
        conn.close();
        conn = new Connection(url.hostname, port);
      }
    }
    conn.close();
  };

  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.paths.length) }, lane));
  const elapsedMs = performance.now() - t0;
  return { latenciesMs: latencies.slice(0, done), statuses, failures, started: next, elapsedMs, timedOut };
}

if (parentPort) {
  const result = await run(workerData as LoadJob);
  parentPort.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]);
}
