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

export function serverUrl(c: Pick<Ctx, 'opts' | 'env'>): string {
  return (c.opts.url ?? c.env.KASIR_URL ?? DEFAULT_URL).replace(/\/+$/, '');
}

/** Where the server URL came from: an error saying "127.0.0.1:8080" should say why that one. */
const urlSource = (c: Pick<Ctx, 'opts' | 'env'>) => (c.opts.url ? '--url' : c.env.KASIR_URL ? 'KASIR_URL' : 'the default; set --url or KASIR_URL');

/** The admin token and where it came from (named in errors: a stale token is a common mistake). */
export function adminTokenSource(opts: Opts, env: NodeJS.ProcessEnv): { token: string; source: string } {
  if (opts.token) return { token: opts.token, source: '--token' };
  if (env.KASIR_ADMIN_TOKEN) return { token: env.KASIR_ADMIN_TOKEN, source: 'KASIR_ADMIN_TOKEN' };
  const file = join(env.KASIR_STATE_DIR || './.kasir', 'admin-token');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return { token: stored, source: file };
  } catch {
    // fall through to the message below
  }
  throw new CliError(`no admin token: pass --token, set KASIR_ADMIN_TOKEN, or start the server once so it writes ${file}`);
}

/** --token, then KASIR_ADMIN_TOKEN, then the token the server stored at its first start. */
export function adminToken(opts: Opts, env: NodeJS.ProcessEnv): string {
  return adminTokenSource(opts, env).token;
}

export const seg = (id: string) => encodeURIComponent(id);

/**
 * One HTTP call to Kasir. A network failure names the URL tried and where it came from; both it and
 * a 401 name the credential used (`credential`: "admin token from --token"), the usual culprit.
 */
export async function request(c: Pick<Ctx, 'opts' | 'env'>, url: string, init: RequestInit, credential: string): Promise<any> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach Kasir at ${serverUrl(c)}: ${cause?.code ?? cause?.message ?? (err as Error).message} ` +
        `(tried ${init.method ?? 'GET'} ${url}; URL from ${urlSource(c)}; ${credential}; is the server running?)`,
    );
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
    const message = (e.message ?? `HTTP ${res.status}`) + (res.status === 401 ? ` (${credential}, sent to ${url})` : '');
    throw new ApiError(message, e.code, typeof e.details?.field === 'string' ? e.details.field : undefined);
  }
  return parsed.data;
}

export async function api(c: Ctx, method: string, path: string, body?: unknown): Promise<any> {
  const { token, source } = adminTokenSource(c.opts, c.env);
  const init: RequestInit = {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  return request(c, serverUrl(c) + '/admin/v1' + path, init, `admin token from ${source}`);
}

/**
 * An API refusal reworded with the flags that gave its fields: "amount must be …" on field
 * `amount` becomes "--amount: must be …". Only camelCase names are replaced inside the text: words
 * such as "type" or "name" are also plain English.
 */
export function inFlags(err: ApiError, flagOf: Record<string, string>): CliError {
  let text = err.apiMessage;
  for (const [field, flag] of Object.entries(flagOf)) if (/[A-Z]/.test(field)) text = text.replace(new RegExp(`\\b${field}\\b`, 'g'), flag);
  const field = err.field?.split('.').pop();
  const flag = field ? flagOf[field] : undefined;
  if (field && flag && !text.startsWith(flag)) text = `${flag}: ${text.startsWith(field + ' ') ? text.slice(field.length + 1) : text}`;
  return new CliError(`${text}${err.code ? ` [${err.code}]` : ''}`);
}

/** `api` whose refusals name flags (see inFlags). */
export async function apiInFlags(c: Ctx, flagOf: Record<string, string>, method: string, path: string, body?: unknown): Promise<any> {
  try {
    return await api(c, method, path, body);
  } catch (err) {
    throw err instanceof ApiError ? inFlags(err, flagOf) : err;
  }
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
