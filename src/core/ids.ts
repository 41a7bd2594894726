import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

// UUIDv7 (RFC 9562): 48-bit ms timestamp, then a 12-bit counter so ids minted in the same
// millisecond still sort in creation order (list pagination relies on id order).
let lastMs = -1;
let counter = 0;

export function uuidv7(clock: Clock): string {
  let ms = clock.now().getTime();
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms = ++lastMs; // counter exhausted: borrow the next millisecond to stay monotonic
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(text: unknown): text is string {
  return typeof text === 'string' && UUID_RE.test(text);
}

/** Random url-safe token with a readable prefix, e.g. `kn_…` for a native key id. */
export function token(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Random upper-case letters and digits without the look-alikes (0/O, 1/I): Antom client ids, NICEPAY iMids. */
export function randomCode(length: number): string {
  return Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length]).join('');
}

/** Antom-style numeric payment id: yyyyMMddHHmm (UTC+8) + 22 random digits, 34 chars like the seed's. */
export function antomStyleId(clock: Clock): string {
  const t = new Date(clock.now().getTime() + 8 * 3600_000).toISOString();
  const stamp = t.slice(0, 16).replace(/[-T:]/g, '');
  let digits = '';
  for (const byte of randomBytes(22)) digits += (byte % 10).toString();
  return stamp + digits;
}
