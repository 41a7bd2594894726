// One HTTP request with every header and byte under the test's control (auth attacks, fuzzing), on
// loopback to the harness, bounded in time so a hung request fails the test instead of hanging it.
import { readResponse, type Harness } from './harness.ts';

export interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent exactly as given, bytes that are not UTF-8 included (never for GET and HEAD: fetch sends none). */
  body?: string | Buffer;
}

export type Reply = Awaited<ReturnType<typeof readResponse>>;

/** The body as text (bytes read as UTF-8). */
export const bodyText = (s: Pick<Sent, 'body'>): string => (Buffer.isBuffer(s.body) ? s.body.toString('utf8') : (s.body ?? ''));

const BOUND_MS = 30_000;

export async function send(h: Harness, s: Sent): Promise<Reply> {
  const bodyless = s.method === 'GET' || s.method === 'HEAD';
  const res = await fetch(h.baseUrl + s.path, {
    method: s.method,
    headers: s.headers,
    body: bodyless || s.body === undefined ? undefined : Buffer.isBuffer(s.body) ? new Uint8Array(s.body) : s.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(BOUND_MS),
  });
  return readResponse(res);
}

/** A request as text for failure messages (bodies cut so a 60 KB fuzz body stays readable). */
export function describe(s: Sent): string {
  const text = Buffer.isBuffer(s.body) ? `hex:${s.body.toString('hex')}` : s.body;
  const body = text === undefined ? '' : ` body(${text.length})=${JSON.stringify(text.length > 600 ? text.slice(0, 600) + '…' : text)}`;
  return `${s.method} ${s.path.length > 300 ? s.path.slice(0, 300) + '…' : s.path} headers=${JSON.stringify(s.headers ?? {})}${body}`;
}
