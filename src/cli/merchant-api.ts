// A merchant's own native API (/api/v1), for the commands that act as that merchant: `listen`
// registers a webhook endpoint, `trigger` creates payments. The admin API has neither, so these
// commands need the merchant's native key: --api-key/--api-secret (or KASIR_API_KEY/KASIR_API_SECRET)
// with --merchant, or, without --merchant, the CLI's own sandbox test merchant, created once per
// server through the admin API and remembered in the state directory (its secret is in the file,
// which is why the file is owner-only, like the admin token beside it).
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, api, CliError, request, seg, serverUrl, UsageError, type Ctx } from './client.ts';

export interface MerchantSession {
  merchantId: string;
  mode: string;
  apiKey: string;
  apiSecret: string;
  /** Where the key came from, for messages. */
  source: string;
}

interface MerchantView {
  id: string;
  mode: string;
  status: string;
  keys: { dialect: string; keyId: string; expiresAt: string | null }[];
}

const SANDBOX_NAME = 'kasir CLI sandbox';
const sandboxFile = (c: Ctx) => join(c.env.KASIR_STATE_DIR || './.kasir', 'cli-sandbox-merchant.json');

async function getMerchant(c: Ctx, id: string): Promise<MerchantView | null> {
  try {
    return await api(c, 'GET', `/merchants/${seg(id)}`);
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'RESOURCE_NOT_FOUND' || /not found/i.test(err.apiMessage))) return null;
    throw err;
  }
}

const hasKey = (m: MerchantView, apiKey: string, now = Date.now()) =>
  m.keys.some((k) => k.dialect === 'native' && k.keyId === apiKey && (!k.expiresAt || Date.parse(k.expiresAt) > now));

/** The merchant to act as. `refuseLive` is checked before any key is asked for: the clearer message. */
export async function merchantSession(c: Ctx, opts: { refuseLive?: string } = {}): Promise<MerchantSession> {
  const apiKey = c.opts['api-key'] ?? c.env.KASIR_API_KEY;
  const apiSecret = c.opts['api-secret'] ?? c.env.KASIR_API_SECRET;
  const keySource = c.opts['api-key'] ? '--api-key' : 'KASIR_API_KEY';
  if (!c.opts.merchant) {
    if (c.opts['api-key'] || c.opts['api-secret']) throw new UsageError('--api-key and --api-secret need --merchant ID (the merchant they belong to)');
    return sandboxMerchant(c);
  }
  const m = await getMerchant(c, c.opts.merchant);
  if (!m) throw new CliError(`--merchant: merchant ${c.opts.merchant} not found at ${serverUrl(c)}`);
  if (opts.refuseLive && m.mode === 'live') throw new CliError(`--merchant: ${m.id} is a live merchant; ${opts.refuseLive}`);
  if (m.status !== 'active') throw new CliError(`--merchant: ${m.id} is ${m.status}; activate it first: kasir merchant activate ${m.id}`);
  const saved = readSandbox(c)[serverUrl(c)];
  if ((!apiKey || !apiSecret) && saved?.id === m.id) return { merchantId: m.id, mode: m.mode, apiKey: saved.apiKey, apiSecret: saved.apiSecret, source: sandboxFile(c) };
  if (!apiKey || !apiSecret) {
    throw new CliError(
      `--merchant ${m.id}: this command acts as the merchant, through its native API: pass --api-key and --api-secret ` +
        '(or set KASIR_API_KEY and KASIR_API_SECRET) to its X-API-Key and secret, shown by `kasir merchant create` and `kasir key rotate`',
    );
  }
  if (!hasKey(m, apiKey)) throw new CliError(`${keySource}: ${apiKey} is not a current native key of merchant ${m.id}`);
  return { merchantId: m.id, mode: m.mode, apiKey, apiSecret, source: keySource };
}

type SandboxFile = Record<string, { id: string; apiKey: string; apiSecret: string }>;

function readSandbox(c: Ctx): SandboxFile {
  try {
    return JSON.parse(readFileSync(sandboxFile(c), 'utf8'));
  } catch {
    return {}; // no file yet (or unreadable): a merchant is created and the file written
  }
}

/** The CLI's own test merchant on this server: reused while it exists, active and its key valid. */
async function sandboxMerchant(c: Ctx): Promise<MerchantSession> {
  const url = serverUrl(c);
  const file = sandboxFile(c);
  const all = readSandbox(c);
  const saved = all[url];
  if (saved) {
    const m = await getMerchant(c, saved.id);
    if (m && m.status === 'active' && hasKey(m, saved.apiKey)) return { merchantId: m.id, mode: m.mode, apiKey: saved.apiKey, apiSecret: saved.apiSecret, source: file };
  }
  const created = await api(c, 'POST', '/merchants', { name: SANDBOX_NAME, mode: 'test' });
  all[url] = { id: created.id, apiKey: created.native.apiKey, apiSecret: created.native.apiSecret };
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  c.io.err(`kasir: created the test merchant ${created.id} (${SANDBOX_NAME}) for this command; its key is kept in ${file}`);
  return { merchantId: created.id, mode: created.mode, apiKey: created.native.apiKey, apiSecret: created.native.apiSecret, source: file };
}

let lastTimestamp = 0;

/**
 * A signed native request (`v2`: the signature binds method and path). Each request gets a fresh
 * millisecond timestamp: Kasir refuses a (key, timestamp, signature) it has already seen.
 */
export async function merchantApi(c: Ctx, s: MerchantSession, method: string, path: string, body?: unknown): Promise<any> {
  const raw = body === undefined ? '' : JSON.stringify(body);
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  const ts = String(lastTimestamp);
  const signature = 'v2=' + createHmac('sha256', s.apiSecret).update(`${ts}.${method}.${path}.${raw}`).digest('hex');
  return request(c, serverUrl(c) + path, {
    method,
    headers: { 'x-api-key': s.apiKey, 'x-timestamp': ts, 'x-signature': signature, ...(raw ? { 'content-type': 'application/json' } : {}) },
    body: raw || undefined,
  }, `merchant API key from ${s.source}`);
}
