// The Antom dialect's side of THE error table (src/core/errors.ts): each core code's resultCode and
// resultStatus (the resultMessage comes from render.ts MESSAGES). Exhaustive by type: a core code
// without a row here fails the typecheck.
import type { ErrorCode } from '../../core/errors.ts';

export interface AntomErrorSpec {
  resultCode: string;
  resultStatus: 'F' | 'U';
}

export const ANTOM_ERRORS: Readonly<Record<ErrorCode, AntomErrorSpec>> = {
  PAYMENT_NOT_FOUND: { resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F' },
  MERCHANT_NOT_FOUND: { resultCode: 'INVALID_CLIENT', resultStatus: 'F' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  NOTIFICATION_NOT_FOUND: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  REFUND_NOT_FOUND: { resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F' },
  INVALID_STATE: { resultCode: 'ORDER_STATUS_INVALID', resultStatus: 'F' },
  // A closed payment as an outcome (inquiryPayment's paymentResultCode, notifyPayment on expiry).
  PAYMENT_CLOSED: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' },
  ALREADY_REFUNDED: { resultCode: 'PROCESS_FAIL', resultStatus: 'F' },
  // The cancel route replays the original success instead; anywhere else it is a status problem.
  ALREADY_CANCELED: { resultCode: 'ORDER_STATUS_INVALID', resultStatus: 'F' },
  CANCEL_WINDOW_EXCEEDED: { resultCode: 'CANCEL_WINDOW_EXCEED', resultStatus: 'F' },
  METHOD_NOT_SUPPORTED: { resultCode: 'PAYMENT_METHOD_NOT_SUPPORTED', resultStatus: 'F' },
  CANCEL_AMOUNT_INVALID: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  AMOUNT_EXCEEDS_AVAILABLE: { resultCode: 'REFUND_AMOUNT_EXCEED', resultStatus: 'F' },
  REFUND_WINDOW_EXCEEDED: { resultCode: 'REFUND_WINDOW_EXCEED', resultStatus: 'F' },
  CURRENCY_MISMATCH: { resultCode: 'CURRENCY_NOT_SUPPORT', resultStatus: 'F' },
  MERCHANT_BALANCE_NOT_ENOUGH: { resultCode: 'MERCHANT_BALANCE_NOT_ENOUGH', resultStatus: 'F' },
  PAYER_NOT_FOUND: { resultCode: 'USER_NOT_EXIST', resultStatus: 'F' },
  PAYER_ABNORMAL: { resultCode: 'USER_STATUS_ABNORMAL', resultStatus: 'F' },
  PROCESSOR_DECLINED: { resultCode: 'PROCESS_FAIL', resultStatus: 'F' },
  INVALID_PARAMETER: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  PAYLOAD_TOO_LARGE: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  UNAUTHENTICATED: { resultCode: 'INVALID_CLIENT', resultStatus: 'F' },
  BAD_SIGNATURE: { resultCode: 'INVALID_SIGNATURE', resultStatus: 'F' },
  KEY_NOT_FOUND: { resultCode: 'KEY_NOT_FOUND', resultStatus: 'F' },
  MERCHANT_SUSPENDED: { resultCode: 'ACCESS_DENIED', resultStatus: 'F' },
  API_NOT_ENABLED: { resultCode: 'INVALID_API', resultStatus: 'F' },
  NO_SUCH_API: { resultCode: 'NO_INTERFACE_DEF', resultStatus: 'F' },
  RATE_LIMITED: { resultCode: 'REQUEST_TRAFFIC_EXCEED_LIMIT', resultStatus: 'U' },
  IDEMPOTENCY_MISMATCH: { resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' },
  REQUEST_IN_FLIGHT: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' },
  OUTCOME_UNKNOWN: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' },
  INTERNAL: { resultCode: 'SYSTEM_ERROR', resultStatus: 'F' },
  NO_ROUTE: { resultCode: 'PAYMENT_METHOD_NOT_SUPPORTED', resultStatus: 'F' },
  LIVE_MODE: { resultCode: 'ACCESS_DENIED', resultStatus: 'F' },
  CONNECTOR_UNSUPPORTED: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' },
  // U: the caller retries with the same parameters (the payment waits to be submitted again).
  PROCESSOR_UNAVAILABLE: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' },
};
