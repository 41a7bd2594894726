// Every failure the client reports is a KasirError: Kasir's own error envelope (code, message,
// details, the HTTP status and the request id to quote to the operator), or the client's
// NETWORK_ERROR (no answer, status 0) and INVALID_RESPONSE (an answer that is not Kasir's envelope,
// e.g. a proxy's HTML error page).
import type { ErrorBody } from '../../../src/dialects/native/doc-schemas.ts';

export class KasirError extends Error {
  /** Kasir's `error.code` (VALIDATION_ERROR, RESOURCE_NOT_FOUND, …), or NETWORK_ERROR / INVALID_RESPONSE. */
  readonly code: string;
  /** The HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** Kasir's `error.details`, e.g. `{ field: 'amount' }`. */
  readonly details: ErrorBody['details'];
  /** The X-Request-Id of the answer, when there was one. */
  readonly requestId: string | undefined;

  constructor(init: { code: string; message: string; status: number; details?: ErrorBody['details']; requestId?: string; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KasirError';
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
    this.requestId = init.requestId;
  }
}
