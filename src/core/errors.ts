// THE error table (DESIGN.md §6). Every failure Kasir reports is one of these codes; each dialect
// renders them in its own wire format from the mapping columns below, never with a local code.

export interface ErrorSpec {
  meaning: string;
  /** Whether the same request may succeed when simply retried. */
  retryable: boolean;
  native: { http: number; code: string };
  /** Antom resultCode and resultStatus; `null` where the dialect replays instead (ALREADY_CANCELED). */
  antom: { resultCode: string; resultStatus: 'F' | 'U' } | null;
  /** NICEPAY resultCd; the dialect picks the exact message for the situation. */
  nicepay: string;
}

const table = {
  PAYMENT_NOT_FOUND: { meaning: 'Payment not found', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F' }, nicepay: '9314' },
  MERCHANT_NOT_FOUND: { meaning: 'Merchant not found', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'INVALID_CLIENT', resultStatus: 'F' }, nicepay: '9011' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { meaning: 'Webhook endpoint not found', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' }, nicepay: '9314' },
  NOTIFICATION_NOT_FOUND: { meaning: 'Notification not found', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' }, nicepay: '9314' },
  REFUND_NOT_FOUND: { meaning: 'Refund not found', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F' }, nicepay: '9314' },
  INVALID_STATE: { meaning: 'The payment status does not allow this operation', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'ORDER_STATUS_INVALID', resultStatus: 'F' }, nicepay: '9314' },
  // A closed payment (canceled or expired) as an outcome: Antom reports it as ORDER_IS_CLOSED
  // (inquiryPayment's paymentResultCode, notifyPayment on expiry), distinct from ORDER_STATUS_INVALID.
  PAYMENT_CLOSED: { meaning: 'The payment is closed', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' }, nicepay: '9314' },
  ALREADY_REFUNDED: { meaning: 'The payment has been refunded', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'PROCESS_FAIL', resultStatus: 'F' }, nicepay: '9314' },
  ALREADY_CANCELED: { meaning: 'The payment is already canceled', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: null, nicepay: '9315' },
  CANCEL_WINDOW_EXCEEDED: { meaning: 'The cancellation window has passed', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'CANCEL_WINDOW_EXCEED', resultStatus: 'F' }, nicepay: '9334' },
  METHOD_NOT_SUPPORTED: { meaning: 'The payment method does not support this operation in this status', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'PAYMENT_METHOD_NOT_SUPPORTED', resultStatus: 'F' }, nicepay: '9330' },
  CANCEL_AMOUNT_INVALID: { meaning: 'The cancel amount is invalid', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' }, nicepay: '9319' },
  AMOUNT_EXCEEDS_AVAILABLE: { meaning: 'The amount exceeds what remains on the payment', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'REFUND_AMOUNT_EXCEED', resultStatus: 'F' }, nicepay: '9319' },
  REFUND_WINDOW_EXCEEDED: { meaning: 'The refund window has passed', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'REFUND_WINDOW_EXCEED', resultStatus: 'F' }, nicepay: '9334' },
  CURRENCY_MISMATCH: { meaning: 'The currency does not match the payment', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'CURRENCY_NOT_SUPPORT', resultStatus: 'F' }, nicepay: '9013' },
  MERCHANT_BALANCE_NOT_ENOUGH: { meaning: 'The merchant balance is insufficient', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'MERCHANT_BALANCE_NOT_ENOUGH', resultStatus: 'F' }, nicepay: '9314' },
  PAYER_NOT_FOUND: { meaning: 'The payer does not exist at the payment method', retryable: false, native: { http: 402, code: 'PAYMENT_METHOD_ERROR' }, antom: { resultCode: 'USER_NOT_EXIST', resultStatus: 'F' }, nicepay: '9314' },
  PAYER_ABNORMAL: { meaning: 'The payer status is abnormal at the payment method', retryable: false, native: { http: 402, code: 'PAYMENT_METHOD_ERROR' }, antom: { resultCode: 'USER_STATUS_ABNORMAL', resultStatus: 'F' }, nicepay: '9314' },
  PROCESSOR_DECLINED: { meaning: 'The processor declined the operation', retryable: false, native: { http: 402, code: 'PAYMENT_METHOD_ERROR' }, antom: { resultCode: 'PROCESS_FAIL', resultStatus: 'F' }, nicepay: '9314' },
  INVALID_PARAMETER: { meaning: 'A request parameter is missing or invalid', retryable: false, native: { http: 400, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' }, nicepay: '9012' },
  PAYLOAD_TOO_LARGE: { meaning: 'The request body is too large', retryable: false, native: { http: 413, code: 'VALIDATION_ERROR' }, antom: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' }, nicepay: '9012' },
  UNAUTHENTICATED: { meaning: 'Authentication failed', retryable: false, native: { http: 401, code: 'UNAUTHORIZED' }, antom: { resultCode: 'INVALID_CLIENT', resultStatus: 'F' }, nicepay: '9011' },
  BAD_SIGNATURE: { meaning: 'The request signature is invalid', retryable: false, native: { http: 401, code: 'UNAUTHORIZED' }, antom: { resultCode: 'INVALID_SIGNATURE', resultStatus: 'F' }, nicepay: '9010' },
  KEY_NOT_FOUND: { meaning: 'No key is registered for this client', retryable: false, native: { http: 401, code: 'UNAUTHORIZED' }, antom: { resultCode: 'KEY_NOT_FOUND', resultStatus: 'F' }, nicepay: '9011' },
  MERCHANT_SUSPENDED: { meaning: 'Access is denied', retryable: false, native: { http: 403, code: 'FORBIDDEN' }, antom: { resultCode: 'ACCESS_DENIED', resultStatus: 'F' }, nicepay: '9331' },
  API_NOT_ENABLED: { meaning: 'This API is not enabled for the merchant', retryable: false, native: { http: 403, code: 'FORBIDDEN' }, antom: { resultCode: 'INVALID_API', resultStatus: 'F' }, nicepay: '9331' },
  NO_SUCH_API: { meaning: 'No such API', retryable: false, native: { http: 404, code: 'RESOURCE_NOT_FOUND' }, antom: { resultCode: 'NO_INTERFACE_DEF', resultStatus: 'F' }, nicepay: '' },
  RATE_LIMITED: { meaning: 'Too many requests', retryable: true, native: { http: 429, code: 'RATE_LIMITED' }, antom: { resultCode: 'REQUEST_TRAFFIC_EXCEED_LIMIT', resultStatus: 'U' }, nicepay: '9002' },
  IDEMPOTENCY_MISMATCH: { meaning: 'The idempotency key was used for a different request', retryable: false, native: { http: 422, code: 'IDEMPOTENCY_KEY_REUSED' }, antom: { resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' }, nicepay: '9009' },
  REQUEST_IN_FLIGHT: { meaning: 'The same request is still being processed', retryable: true, native: { http: 409, code: 'CONFLICT' }, antom: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' }, nicepay: '9002' },
  OUTCOME_UNKNOWN: { meaning: 'The processor did not answer in time; the outcome is being reconciled', retryable: true, native: { http: 503, code: 'OUTCOME_UNKNOWN' }, antom: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' }, nicepay: '1004' },
  INTERNAL: { meaning: 'Internal error', retryable: false, native: { http: 500, code: 'INTERNAL_ERROR' }, antom: { resultCode: 'SYSTEM_ERROR', resultStatus: 'F' }, nicepay: '1003' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof table;
export const ERRORS: Readonly<Record<ErrorCode, ErrorSpec>> = table;

/** The one error type core operations throw; `field` names the offending input where there is one. */
export class KasirError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message?: string, opts: { field?: string; details?: Record<string, unknown> } = {}) {
    super(message ?? ERRORS[code].meaning);
    this.name = 'KasirError';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }
  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }
}

export function invalidParameter(field: string, reason: string): KasirError {
  return new KasirError('INVALID_PARAMETER', `${field} ${reason}`, { field });
}
