// The native dialect's side of THE error table (src/core/errors.ts): each core code's HTTP status and
// the envelope's `error.code` (seed 002). Exhaustive by type: a core code without a row here fails the
// typecheck.
import type { ErrorCode } from '../../core/errors.ts';

export interface NativeErrorSpec {
  http: number;
  code: string;
}

export const NATIVE_ERRORS: Readonly<Record<ErrorCode, NativeErrorSpec>> = {
  PAYMENT_NOT_FOUND: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  MERCHANT_NOT_FOUND: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  NOTIFICATION_NOT_FOUND: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  REFUND_NOT_FOUND: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  INVALID_STATE: { http: 400, code: 'VALIDATION_ERROR' },
  PAYMENT_CLOSED: { http: 400, code: 'VALIDATION_ERROR' },
  ALREADY_REFUNDED: { http: 400, code: 'VALIDATION_ERROR' },
  ALREADY_CANCELED: { http: 400, code: 'VALIDATION_ERROR' },
  CANCEL_WINDOW_EXCEEDED: { http: 400, code: 'VALIDATION_ERROR' },
  METHOD_NOT_SUPPORTED: { http: 400, code: 'VALIDATION_ERROR' },
  CANCEL_AMOUNT_INVALID: { http: 400, code: 'VALIDATION_ERROR' },
  AMOUNT_EXCEEDS_AVAILABLE: { http: 400, code: 'VALIDATION_ERROR' },
  REFUND_WINDOW_EXCEEDED: { http: 400, code: 'VALIDATION_ERROR' },
  CURRENCY_MISMATCH: { http: 400, code: 'VALIDATION_ERROR' },
  MERCHANT_BALANCE_NOT_ENOUGH: { http: 400, code: 'VALIDATION_ERROR' },
  PAYER_NOT_FOUND: { http: 402, code: 'PAYMENT_METHOD_ERROR' },
  PAYER_ABNORMAL: { http: 402, code: 'PAYMENT_METHOD_ERROR' },
  PROCESSOR_DECLINED: { http: 402, code: 'PAYMENT_METHOD_ERROR' },
  INVALID_PARAMETER: { http: 400, code: 'VALIDATION_ERROR' },
  PAYLOAD_TOO_LARGE: { http: 413, code: 'VALIDATION_ERROR' },
  UNAUTHENTICATED: { http: 401, code: 'UNAUTHORIZED' },
  BAD_SIGNATURE: { http: 401, code: 'UNAUTHORIZED' },
  KEY_NOT_FOUND: { http: 401, code: 'UNAUTHORIZED' },
  MERCHANT_SUSPENDED: { http: 403, code: 'FORBIDDEN' },
  API_NOT_ENABLED: { http: 403, code: 'FORBIDDEN' },
  NO_SUCH_API: { http: 404, code: 'RESOURCE_NOT_FOUND' },
  RATE_LIMITED: { http: 429, code: 'RATE_LIMITED' },
  IDEMPOTENCY_MISMATCH: { http: 422, code: 'IDEMPOTENCY_KEY_REUSED' },
  REQUEST_IN_FLIGHT: { http: 409, code: 'CONFLICT' },
  OUTCOME_UNKNOWN: { http: 503, code: 'OUTCOME_UNKNOWN' },
  INTERNAL: { http: 500, code: 'INTERNAL_ERROR' },
  NO_ROUTE: { http: 400, code: 'VALIDATION_ERROR' },
  LIVE_MODE: { http: 403, code: 'FORBIDDEN' },
  CONNECTOR_UNSUPPORTED: { http: 400, code: 'VALIDATION_ERROR' },
  // Nothing was created upstream: the same request may be sent again later.
  PROCESSOR_UNAVAILABLE: { http: 503, code: 'SERVICE_UNAVAILABLE' },
};
