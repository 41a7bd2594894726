// THE error table (docs/architecture.md, errors). Every failure Kasir reports is one of these codes, with its meaning
// and whether a retry may succeed. How each code looks on the wire is the dialect's business: every
// dialect has its own exhaustive map, `src/dialects/<dialect>/error-map.ts` (typed
// `Record<ErrorCode, …>`, so a code added here fails the typecheck until every dialect maps it), and
// never invents a local code.

export interface ErrorSpec {
  meaning: string;
  /** Whether the same request may succeed when simply retried. */
  retryable: boolean;
}

const table = {
  PAYMENT_NOT_FOUND: { meaning: 'Payment not found', retryable: false },
  MERCHANT_NOT_FOUND: { meaning: 'Merchant not found', retryable: false },
  WEBHOOK_ENDPOINT_NOT_FOUND: { meaning: 'Webhook endpoint not found', retryable: false },
  NOTIFICATION_NOT_FOUND: { meaning: 'Notification not found', retryable: false },
  REFUND_NOT_FOUND: { meaning: 'Refund not found', retryable: false },
  INVALID_STATE: { meaning: 'The payment status does not allow this operation', retryable: false },
  // A closed payment (canceled or expired) as an outcome, distinct from INVALID_STATE (Antom: ORDER_IS_CLOSED).
  PAYMENT_CLOSED: { meaning: 'The payment is closed', retryable: false },
  ALREADY_REFUNDED: { meaning: 'The payment has been refunded', retryable: false },
  ALREADY_CANCELED: { meaning: 'The payment is already canceled', retryable: false },
  CANCEL_WINDOW_EXCEEDED: { meaning: 'The cancellation window has passed', retryable: false },
  METHOD_NOT_SUPPORTED: { meaning: 'The payment method does not support this operation in this status', retryable: false },
  CANCEL_AMOUNT_INVALID: { meaning: 'The cancel amount is invalid', retryable: false },
  AMOUNT_EXCEEDS_AVAILABLE: { meaning: 'The amount exceeds what remains on the payment', retryable: false },
  REFUND_WINDOW_EXCEEDED: { meaning: 'The refund window has passed', retryable: false },
  CURRENCY_MISMATCH: { meaning: 'The currency does not match the payment', retryable: false },
  MERCHANT_BALANCE_NOT_ENOUGH: { meaning: 'The merchant balance is insufficient', retryable: false },
  PAYER_NOT_FOUND: { meaning: 'The payer does not exist at the payment method', retryable: false },
  PAYER_ABNORMAL: { meaning: 'The payer status is abnormal at the payment method', retryable: false },
  PROCESSOR_DECLINED: { meaning: 'The processor declined the operation', retryable: false },
  INVALID_PARAMETER: { meaning: 'A request parameter is missing or invalid', retryable: false },
  PAYLOAD_TOO_LARGE: { meaning: 'The request body is too large', retryable: false },
  UNAUTHENTICATED: { meaning: 'Authentication failed', retryable: false },
  BAD_SIGNATURE: { meaning: 'The request signature is invalid', retryable: false },
  KEY_NOT_FOUND: { meaning: 'No key is registered for this client', retryable: false },
  MERCHANT_SUSPENDED: { meaning: 'Access is denied', retryable: false },
  API_NOT_ENABLED: { meaning: 'This API is not enabled for the merchant', retryable: false },
  NO_SUCH_API: { meaning: 'No such API', retryable: false },
  RATE_LIMITED: { meaning: 'Too many requests', retryable: true },
  IDEMPOTENCY_MISMATCH: { meaning: 'The idempotency key was used for a different request', retryable: false },
  REQUEST_IN_FLIGHT: { meaning: 'The same request is still being processed', retryable: true },
  OUTCOME_UNKNOWN: { meaning: 'The processor did not answer in time; the outcome is being reconciled', retryable: true },
  INTERNAL: { meaning: 'Internal error', retryable: false },
  // Live and test mode, connectors (src/processors/): decided before anything is created or sent.
  NO_ROUTE: { meaning: 'No connector route of this live merchant matches the payment', retryable: false },
  LIVE_MODE: { meaning: 'This test-mode feature is not available to a live merchant', retryable: false },
  CONNECTOR_UNSUPPORTED: { meaning: 'The provider behind this payment cannot do this operation', retryable: false },
  PROCESSOR_UNAVAILABLE: { meaning: 'No connector could take the payment; nothing was created upstream', retryable: true },
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
