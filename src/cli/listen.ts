// `kasir listen`: like `stripe listen`. Registers a temporary webhook endpoint for the merchant
// (its native API; the admin API has none) pointing at a receiver started here, forwards each
// delivery to --forward-to with its body and Standard Webhooks headers unchanged (so the local app
// verifies them with the secret printed at start), and answers Kasir with the forward's status, so
// Kasir retries exactly as it would against the app. Ctrl-C or SIGTERM removes the endpoint.
// Kasir must be able to reach this machine: the receiver listens on 127.0.0.1 unless
// --listen-host says otherwise, and a Kasir refusing private targets (KASIR_ALLOW_PRIVATE_TARGETS
// off) will not deliver to it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WEBHOOK_EVENTS } from '../core/notifications/webhook-endpoints.ts';
import { CliError, UsageError, type Command, type Ctx } from './client.ts';
import { merchantApi, merchantSession, type MerchantSession } from './merchant-api.ts';

export const EVENT_NAMES = Object.keys(WEBHOOK_EVENTS);
/** Kasir gives a receiver 10 s or so; the forward must answer before Kasir gives up on us. */
const FORWARD_TIMEOUT_MS = 8_000;
/** Headers the app needs to verify and route the delivery; hop-by-hop ones are not forwarded. */
const FORWARDED = ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'user-agent'];

function eventsOption(text: string | undefined): string[] {
  if (text === undefined) return EVENT_NAMES;
  const events = [...new Set(text.split(',').map((e) => e.trim()).filter(Boolean))];
  const unknown = events.filter((e) => !EVENT_NAMES.includes(e));
  if (events.length === 0 || unknown.length) throw new UsageError(`--events takes a comma-separated list of ${EVENT_NAMES.join(', ')}; got ${text}`);
  return events;
}

function forwardTarget(text: string | undefined): URL {
  if (!text) throw new UsageError('kasir listen needs --forward-to URL (your app\'s webhook handler, e.g. http://localhost:3000/webhooks)');
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // the message below
  }
  throw new UsageError(`--forward-to must be an http(s) URL, got ${text}`);
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** What one line says about a delivery: its event type and payment id, read from the body. */
function describe(body: Buffer): { type: string; paymentId: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    return { type: String(parsed.type ?? '?'), paymentId: String(parsed.data?.id ?? '?') };
  } catch {
    return { type: '(not JSON)', paymentId: '?' };
  }
}

/** Forwards one delivery; the status to give back to Kasir (502/504 when the app cannot be reached). */
async function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; note: string }> {
  const headers: Record<string, string> = {};
  for (const h of FORWARDED) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
  try {
    const res = await fetch(target, { method: 'POST', headers, body: new Uint8Array(body), signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
    await res.arrayBuffer(); // the app's answer body is not Kasir's business; read it to free the socket
    return { status: res.status, note: '' };
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { status: timeout ? 504 : 502, note: timeout ? `  (no answer in ${FORWARD_TIMEOUT_MS / 1000} s)` : `  (${cause})` };
  }
}

function startReceiver(c: Ctx, target: URL): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST') return res.writeHead(405).end();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return res.destroy(); // Kasir hung up mid-body: it will retry; nothing was forwarded
    }
    const { type, paymentId } = describe(body);
    const { status, note } = await forward(target, req, body);
    c.io.out(`${new Date().toISOString()}  ${type}  ${paymentId}  → ${status} ${target.href}${note}`);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`forwarded: ${status}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new CliError(`cannot start the local receiver: ${err.message}`)));
    server.listen(0, c.opts['listen-host'] ?? '127.0.0.1', () => resolve(server));
  });
}

/** Resolves on the first SIGINT or SIGTERM (then the endpoint is removed and the command ends, exit 0). */
const stopSignal = () =>
  new Promise<string>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

async function listen(c: Ctx): Promise<void> {
  const target = forwardTarget(c.opts['forward-to']);
  const events = eventsOption(c.opts.events);
  const session: MerchantSession = await merchantSession(c);
  const stopped = stopSignal(); // before anything is registered: a Ctrl-C from now on cleans up
  const server = await startReceiver(c, target);
  const { address, port } = server.address() as { address: string; port: number };
  const receiverUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}/kasir-listen`;
  try {
    const ep = await merchantApi(c, session, 'POST', '/api/v1/webhook-endpoints', { url: receiverUrl, events });
    try {
      c.io.out(`Ready: merchant ${session.merchantId}'s ${events.length === EVENT_NAMES.length ? 'events' : events.join(', ')} → ${target.href}`);
      c.io.out(`  endpoint ${ep.id} (${receiverUrl}); webhook signing secret ${ep.secret}`);
      c.io.out('  Ctrl-C to stop and remove the endpoint.');
      await stopped;
    } finally {
      await merchantApi(c, session, 'DELETE', `/api/v1/webhook-endpoints/${ep.id}`);
      c.io.out(`Stopped: endpoint ${ep.id} removed.`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

export const LISTEN_COMMANDS: Record<string, Command> = {
  listen: { args: [], options: ['merchant', 'api-key', 'api-secret', 'forward-to', 'events', 'listen-host'], run: listen },
};
