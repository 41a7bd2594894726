// What the request pipeline (src/http/pipeline.ts) reports about the request it runs, without
// being handed the Fastify request: the HTTP hooks (src/http/access-log.ts) run each handler inside
// a scope that knows its request, and the pipeline reports into whatever scope it runs in. Outside
// one (a test calling a handler directly, a background job) a report goes nowhere.
import { AsyncLocalStorage } from 'node:async_hooks';
import { KasirError, type ErrorCode } from '../core/errors.ts';

export interface RequestScope {
  /** The dialect refused the caller's credentials; `code` says how (never the credentials). */
  authFailed(dialect: string, code: ErrorCode): void;
}

const scope = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope(s: RequestScope, fn: () => void): void {
  scope.run(s, fn);
}

// Failures of the credentials themselves. A suspended merchant, a missing Request-Time or an unknown
// Antom operation are refusals of a different kind, answered and not logged as attacks.
const AUTH_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['UNAUTHENTICATED', 'KEY_NOT_FOUND', 'BAD_SIGNATURE']);

/** Called by the pipeline when a dialect's authentication stage throws. */
export function reportAuthFailure(dialect: string, err: unknown): void {
  if (err instanceof KasirError && AUTH_CODES.has(err.code)) scope.getStore()?.authFailed(dialect, err.code);
}
