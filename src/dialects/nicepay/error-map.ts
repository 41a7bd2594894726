// The NICEPAY dialect's side of THE error table (src/core/errors.ts): each core code's resultCd. The
// dialect picks the exact resultMsg for the situation (render.ts nicepayError, result-codes.ts).
// Exhaustive by type: a core code without a row here fails the typecheck.
import type { ErrorCode } from '../../core/errors.ts';

export const NICEPAY_ERRORS: Readonly<Record<ErrorCode, string>> = {
  PAYMENT_NOT_FOUND: '9314',
  MERCHANT_NOT_FOUND: '9011',
  WEBHOOK_ENDPOINT_NOT_FOUND: '9314',
  NOTIFICATION_NOT_FOUND: '9314',
  REFUND_NOT_FOUND: '9314',
  INVALID_STATE: '9314',
  PAYMENT_CLOSED: '9314',
  ALREADY_REFUNDED: '9314',
  ALREADY_CANCELED: '9315',
  CANCEL_WINDOW_EXCEEDED: '9334',
  METHOD_NOT_SUPPORTED: '9330',
  CANCEL_AMOUNT_INVALID: '9319',
  AMOUNT_EXCEEDS_AVAILABLE: '9319',
  REFUND_WINDOW_EXCEEDED: '9334',
  CURRENCY_MISMATCH: '9013',
  MERCHANT_BALANCE_NOT_ENOUGH: '9314',
  PAYER_NOT_FOUND: '9314',
  PAYER_ABNORMAL: '9314',
  PROCESSOR_DECLINED: '9314',
  INVALID_PARAMETER: '9012',
  PAYLOAD_TOO_LARGE: '9012',
  UNAUTHENTICATED: '9011',
  BAD_SIGNATURE: '9010',
  KEY_NOT_FOUND: '9011',
  MERCHANT_SUSPENDED: '9331',
  API_NOT_ENABLED: '9331',
  // Unknown paths answer 404 with an empty resultCd (plugin.ts); thrown inside a route it renders as INTERNAL's.
  NO_SUCH_API: '',
  RATE_LIMITED: '9002',
  IDEMPOTENCY_MISMATCH: '9009',
  REQUEST_IN_FLIGHT: '9002',
  OUTCOME_UNKNOWN: '1004',
  INTERNAL: '1003',
  NO_ROUTE: '9331',
  LIVE_MODE: '9331',
  // "The merchant can not be partial cancellation" is NICEPAY's word for what cannot be asked.
  CONNECTOR_UNSUPPORTED: '9332',
  PROCESSOR_UNAVAILABLE: '1004',
};
