// What every admin command shares: its context, its two kinds of failure (exit 2: the command line;
// exit 1: the server) and the admin API client. Only Node built-ins and fetch: the CLI must start
// without the server's dependencies loaded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OptionName, Opts } from './options.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Ctx {
  opts: Opts;
  args: string[];
  env: NodeJS.ProcessEnv;
  io: Io;
}

export interface Command {
  args: string[];
  options: OptionName[];
  run(c: Ctx): Promise<void>;
}

/** Bad command line: exit code 2. */
export class UsageError extends Error {}
/** The server (or the way to it) said no: exit code 1. */
export class CliError extends Error {}
/** The admin API's refusal, with the API field it names (commands turn it into their flag). */
export class ApiError extends CliError {
  readonly field: string | undefined;
  readonly apiMessage: string;
  readonly code: string | undefined;
  constructor(apiMessage: string, code: string | undefined, field: string | undefined) {
    super(`${apiMessage}${code ? ` [${code}]` : ''}`);
    this.apiMessage = apiMessage;
    this.code = code;
    this.field = field;
  }
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export function serverUrl(c: Ctx): string {
  return (c.opts.url ?? c.env.KASIR_URL ?? DEFAULT_URL).replace(/\/+$/, '');
}

/** --token, then KASIR_ADMIN_TOKEN, then the token the server stored at its first start. */
export function adminToken(opts: Opts, env: NodeJS.ProcessEnv): string {
  const given = opts.token ?? env.KASIR_ADMIN_TOKEN;
  if (given) return given;
  const file = join(env.KASIR_STATE_DIR || './.kasir', 'admin-token');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // fall through to the message below
  }
  throw new CliError(`no admin token: pass --token, set KASIR_ADMIN_TOKEN, or start the server once so it writes ${file}`);
}

export const seg = (id: string) => encodeURIComponent(id);

export async function api(c: Ctx, method: string, path: string, body?: unknown): Promise<any> {
  const token = adminToken(c.opts, c.env);
  const url = serverUrl(c) + '/admin/v1' + path;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach Kasir at ${serverUrl(c)}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is the server running? set --url or KASIR_URL)`);
  }
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${url} (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
  if (!res.ok || parsed?.success !== true) {
    const e = parsed?.error ?? {};
    throw new ApiError(e.message ?? `HTTP ${res.status}`, e.code, typeof e.details?.field === 'string' ? e.details.field : undefined);
  }
  return parsed.data;
}

export async function printJson(c: Ctx, data: Promise<unknown>): Promise<void> {
  c.io.out(JSON.stringify(await data, null, 2));
}

export function booleanOption(name: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`--${name} must be true or false, got ${text}`);
}

export function integerOption(name: string, text: string, minimum = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < minimum || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a whole number ≥ ${minimum}, got ${text}`);
  }
  return Number(text);
}
