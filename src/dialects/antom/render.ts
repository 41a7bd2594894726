// The Antom wire format: the Result object, Amount, date-times, and each core error rendered through
// the dialect's error map (error-map.ts). Messages are seed 000's table verbatim; codes the seed does
// not list carry the wording of Antom's own API reference pages.
import { KasirError, type ErrorCode } from '../../core/errors.ts';
import type { Payment } from '../../core/payments/model.ts';
import { InputError } from '../../http/validate.ts';
import { ANTOM_ERRORS } from './error-map.ts';
import { antomTime } from './signature.ts';

export type ResultStatus = 'S' | 'F' | 'U';

export interface Result {
  resultCode: string;
  resultStatus: ResultStatus;
  resultMessage: string;
}

/** Every Antom response body: a Result and the operation's fields. */
export interface AntomBody {
  result: Result;
  [field: string]: unknown;
}

export interface Amount {
  currency: string;
  value: string;
}

export const MESSAGES: Record<string, string> = {
  // seed 000 (cancel), verbatim
  SUCCESS: 'Success',
  ACCESS_DENIED: 'Access is denied.',
  INVALID_API: 'The called API is invalid or not active.',
  CANCEL_WINDOW_EXCEED: 'The cancellation date exceeds the period during which cancellation is supported. The period is agreed upon in the contract.',
  KEY_NOT_FOUND: 'The private key or public key of Antom or the merchant is not found.',
  MERCHANT_BALANCE_NOT_ENOUGH: 'The merchant balance is insufficient.',
  NO_INTERFACE_DEF: 'API is not defined.',
  ORDER_NOT_EXIST: 'The order does not exist.',
  ORDER_STATUS_INVALID: 'The transaction cannot be further processed because the order status is invalid.',
  PARAM_ILLEGAL:
    'The required parameters are not passed, or illegal parameters exist. For example, a non-numeric input, an invalid date, or the length and type of the parameter are wrong.',
  PROCESS_FAIL: 'A general business failure occurred.',
  SYSTEM_ERROR: 'A system error occurred.',
  REQUEST_TRAFFIC_EXCEED_LIMIT: 'The request traffic exceeds the limit.',
  PAYMENT_METHOD_NOT_SUPPORTED: 'The payment method does not support canceling or refunding transactions if the payment status is successful.',
  UNKNOWN_EXCEPTION: 'An API call has failed, which is caused by unknown reasons.',
  USER_NOT_EXIST: 'The user does not exist on the payment method side.',
  USER_STATUS_ABNORMAL: 'The user status is abnormal on the payment method side.',
  // not in the seed: Antom's pay / capture / refund reference pages
  INVALID_CLIENT: 'The client is invalid.',
  INVALID_SIGNATURE: 'The signature is not validated.',
  REPEAT_REQ_INCONSISTENT: 'Repeated submission, and requests are inconsistent.',
  PAYMENT_IN_PROCESS: 'The payment is being processed.',
  ORDER_IS_CLOSED: 'The order is closed.',
  CURRENCY_NOT_SUPPORT: 'The currency is not supported.',
  REFUND_AMOUNT_EXCEED: 'The total refund amount has exceeded the payment amount.',
  REFUND_WINDOW_EXCEED: 'The refund date exceeds the refundable period that is agreed in the contract.',
};

export function result(resultCode: string, resultStatus: ResultStatus): Result {
  return { resultCode, resultStatus, resultMessage: MESSAGES[resultCode] ?? resultCode };
}

export const SUCCESS = (): Result => result('SUCCESS', 'S');
/** A cashier payment waiting for the buyer (or for the processor): the caller polls or waits for notifyPayment. */
export const IN_PROCESS = (): Result => result('PAYMENT_IN_PROCESS', 'U');

/** The Result of a core error code, from the dialect's error map. */
export function resultFor(code: ErrorCode): Result {
  const { resultCode, resultStatus } = ANTOM_ERRORS[code];
  return result(resultCode, resultStatus);
}

/** Any thrown value → a body with only a Result; internals of unexpected errors never reach the caller. */
export function renderError(err: unknown): AntomBody {
  if (err instanceof InputError) return { result: resultFor('INVALID_PARAMETER') };
  if (err instanceof KasirError) return { result: resultFor(err.code) };
  return { result: resultFor('INTERNAL') };
}

export const amount = (minor: bigint, currency: string): Amount => ({ currency, value: minor.toString() });
export const time = (d: Date | null | undefined): string | undefined => (d ? antomTime(d) : undefined);

/**
 * Core status → Antom paymentStatus. An authorized card (requires_capture) is SUCCESS: Antom reports
 * the authorization as the payment result (notifyPayment) and the capture separately (notifyCapture,
 * a CAPTURE transaction in inquiryPayment).
 */
export function paymentStatus(p: Payment): 'SUCCESS' | 'FAIL' | 'PROCESSING' | 'CANCELLED' {
  switch (p.status) {
    case 'succeeded':
    case 'requires_capture':
      return 'SUCCESS';
    case 'payment_failed':
    case 'expired':
      return 'FAIL';
    case 'canceled':
      return 'CANCELLED';
    default:
      return 'PROCESSING';
  }
}

/** The payment's own result (inquiryPayment's paymentResultCode, notifyPayment's result). */
export function paymentResult(p: Payment): Result {
  switch (paymentStatus(p)) {
    case 'SUCCESS':
      return SUCCESS();
    case 'PROCESSING':
      return IN_PROCESS();
    case 'CANCELLED':
      return resultFor('PAYMENT_CLOSED');
    case 'FAIL':
      return p.status === 'expired' ? resultFor('PAYMENT_CLOSED') : resultFor('PROCESSOR_DECLINED');
  }
}

/** When the payment reached its final state (paymentTime), if it has. */
export function paymentTime(p: Payment): Date | null {
  if (p.status === 'succeeded' || p.status === 'requires_capture') return p.authorizedAt ?? p.succeededAt;
  if (p.status === 'payment_failed' || p.status === 'expired') return p.updatedAt;
  return p.status === 'canceled' ? p.succeededAt : null;
}

/** Drops undefined fields so absent values are absent on the wire, never `null`. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
