// Dashboard sessions and CSRF. A session is a random 32-byte secret in an HttpOnly cookie; the
// database keeps only its SHA-256 (table dashboard_sessions, migrations/018). Server-side rather than
// a signed stateless cookie so that logging out ends the session everywhere at once (a copied cookie
// stops working too), every Kasir process on the database shares the sessions, and rotating the admin
// token ends every session opened with the old one (token_fp).
//
// CSRF: every form carries HMAC(session secret, "csrf"), which only the holder of the HttpOnly cookie
// can compute; every POST must echo it (double submit bound to the session). The login form, before
// any session exists, uses a plain double submit: a random cookie and the same value in the form.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../core/clock.ts';
import { BASE, type Flash } from './html.ts';

export const SESSION_COOKIE = 'kasir_dashboard';
export const LOGIN_COOKIE = 'kasir_dashboard_login';
/** Absolute lifetime: an operator logs in again each working day. */
export const SESSION_TTL_MS = 8 * 3_600_000;

export interface SessionDeps {
  db: Db;
  clock: Clock;
  adminToken: string;
  /** Kasir's public base URL: cookies are Secure when it is https. */
  publicUrl: () => string;
}

export interface Session {
  idHash: string;
  csrf: string;
  flash: Flash | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const csrfOf = (secret: string) => createHmac('sha256', secret).update('csrf').digest('base64url');

/** Constant-time over digests: neither length nor prefix of the expected value leaks. */
export function sameSecret(given: unknown, expected: string): boolean {
  return typeof given === 'string' && timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

export function readCookie(req: FastifyRequest, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function cookie(deps: SessionDeps, name: string, value: string, maxAgeSeconds: number): string {
  const secure = deps.publicUrl().startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=${BASE}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function appendCookie(reply: FastifyReply, value: string): void {
  const prior = reply.getHeader('set-cookie');
  const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
  reply.header('set-cookie', [...list, value]);
}

export async function openSession(deps: SessionDeps, reply: FastifyReply): Promise<void> {
  const secret = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  // Expired sessions are swept here: logins are rare, so this costs nothing on ordinary pages.
  await deps.db.query('DELETE FROM dashboard_sessions WHERE expires_at < $1', [now]);
  await deps.db.query(
    'INSERT INTO dashboard_sessions (id_hash, token_fp, created_at, expires_at) VALUES ($1, $2, $3, $4)',
    [sha256(secret), sha256(deps.adminToken), now, new Date(now.getTime() + SESSION_TTL_MS)],
  );
  appendCookie(reply, cookie(deps, SESSION_COOKIE, secret, SESSION_TTL_MS / 1000));
  appendCookie(reply, cookie(deps, LOGIN_COOKIE, '', 0));
}

/** The request's live session, or null (none, unknown, expired, or opened with another admin token). */
export async function currentSession(deps: SessionDeps, req: FastifyRequest): Promise<Session | null> {
  const secret = readCookie(req, SESSION_COOKIE);
  if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  const idHash = sha256(secret);
  const { rows } = await deps.db.query<{ token_fp: string; flash: Flash | null; expires_at: Date | string }>(
    'SELECT token_fp, flash, expires_at FROM dashboard_sessions WHERE id_hash = $1',
    [idHash],
  );
  const row = rows[0];
  if (!row || new Date(row.expires_at).getTime() <= deps.clock.now().getTime() || row.token_fp !== sha256(deps.adminToken)) return null;
  return { idHash, csrf: csrfOf(secret), flash: row.flash ?? null };
}

export async function closeSession(deps: SessionDeps, session: Session, reply: FastifyReply): Promise<void> {
  await deps.db.query('DELETE FROM dashboard_sessions WHERE id_hash = $1', [session.idHash]);
  appendCookie(reply, cookie(deps, SESSION_COOKIE, '', 0));
}

/** The message the next page shows once (post-redirect-get). */
export async function setFlash(deps: SessionDeps, session: Session, flash: Flash): Promise<void> {
  await deps.db.query('UPDATE dashboard_sessions SET flash = $2 WHERE id_hash = $1', [session.idHash, JSON.stringify(flash)]);
}

export async function takeFlash(deps: SessionDeps, session: Session): Promise<Flash | null> {
  if (!session.flash) return null;
  await deps.db.query('UPDATE dashboard_sessions SET flash = NULL WHERE id_hash = $1', [session.idHash]);
  return session.flash;
}

/** The login form's token: reuses the cookie's when there is one, so two open tabs both work. */
export function loginCsrf(deps: SessionDeps, req: FastifyRequest, reply: FastifyReply): string {
  const existing = readCookie(req, LOGIN_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  appendCookie(reply, cookie(deps, LOGIN_COOKIE, token, 3_600));
  return token;
}

export function loginCsrfValid(req: FastifyRequest, given: unknown): boolean {
  const expected = readCookie(req, LOGIN_COOKIE);
  return !!expected && expected.length === 43 && sameSecret(given, expected);
}
