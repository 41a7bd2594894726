// The load generator, run in a worker thread so that signing requests and parsing responses do not
// share the server's event loop. It speaks HTTP/1.1 over one raw keep-alive socket per lane (like
// autocannon does) because node's http client costs more CPU per request than the no-op route it
// measures, and on a small machine every cycle the client burns is taken from the server.
// Fires one request per entry of the job (wire.ts: how each dialect builds, signs and judges it)
// with a fixed number in flight, never past `deadline`; it stops by itself. Every 100 ms it posts
// its own isolate's memory, so the process's RSS can be split between Kasir and this thread.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { speaker, type Answer, type Wire } from './wire.ts';

export type LoadJob = Wire & {
  origin: string; // http://127.0.0.1:<port>
  concurrency: number;
  /** Wall-clock cap (epoch ms): no request is started after it. */
  deadline: number;
};

export interface LoadResult {
  latenciesMs: Float64Array; // one per completed request, in completion order
  statuses: Record<string, number>;
  /** Answers that were a success in the dialect's terms. */
  ok: number;
  failures: string[]; // a few samples: status and body
  started: number; // requests started
  elapsedMs: number; // first request sent → last response read
  timedOut: boolean;
  /** CPU time of this thread over the run (signing, parsing): the load generator's own share. */
  cpuMs: number;
}

/** Posted every 100 ms while the load runs: this worker's V8 heap + external memory (bytes). */
export interface LoadMemory {
  loadGeneratorBytes: number;
}

/** One keep-alive connection: write a request, read exactly one Content-Length response. */
class Connection {
  private socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: Answer) => void; reject: (e: Error) => void } | null = null;
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
  request(text: string): Promise<Answer> {
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
    const res = { status: Number(head.slice(9, 12)), head, body: this.buf.toString('utf8', end + 4, total) };
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
  const wire = speaker(job, url.host);
  const latencies = new Float64Array(wire.count);
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  let timedOut = false;

  const record = (i: number, t0: number, status: string, detail: string | null) => {
    latencies[done++] = performance.now() - t0;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== wire.ok && failures.length < 5) failures.push(`${status} ${wire.name(i)} ${(detail ?? '').slice(0, 300)}`);
  };

  const lane = async () => {
    let conn = new Connection(url.hostname, port);
    while (next < wire.count) {
      if (Date.now() > job.deadline) {
        timedOut = true;
        break;
      }
      const i = next++;
      const text = wire.request(i);
      const t0 = performance.now();
      try {
        const res = await conn.request(text);
        record(i, t0, wire.verdict(res), res.body);
      } catch (err) {
        record(i, t0, 'error', (err as Error).message);
        conn.close();
        conn = new Connection(url.hostname, port);
      }
    }
    conn.close();
  };

  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(job.concurrency, wire.count) }, lane));
  const elapsedMs = performance.now() - t0;
  const cpu = process.threadCpuUsage(cpu0);
  return { latenciesMs: latencies.slice(0, done), statuses, ok: statuses[wire.ok] ?? 0, failures, started: next, elapsedMs, timedOut, cpuMs: (cpu.user + cpu.system) / 1000 };
}

if (parentPort) {
  const port = parentPort;
  // In a worker, heapTotal and external are this thread's isolate; rss is the whole process's.
  const memory = () => {
    const m = process.memoryUsage();
    port.postMessage({ loadGeneratorBytes: m.heapTotal + m.external } satisfies LoadMemory);
  };
  memory();
  const sampler = setInterval(memory, 100);
  const result = await run(workerData as LoadJob);
  clearInterval(sampler);
  memory();
  port.postMessage(result, [result.latenciesMs.buffer as ArrayBuffer]);
}
