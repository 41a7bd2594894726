import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

// A random prefix per process and a counter: unique across processes and restarts without paying
// for random bytes on every request (it showed in the cancel benchmark's profile).
const PREFIX = 'req_' + randomBytes(9).toString('base64url') + '_';
let counter = 0;

/** Keeps a caller's X-Request-Id when it is safe to echo and log; otherwise mints one. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : PREFIX + (counter++).toString(36);
}
