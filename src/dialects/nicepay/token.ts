// NICEPAY authenticates every request with merchantToken: the lower-case hex SHA-256 of a plain
// concatenation of fields and the merchant key (no separators, no HMAC). One function per formula
// so a handler cannot mix up the field order of another endpoint.
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface ReferenceTokenInput {
  timeStamp: string;
  iMid: string;
  referenceNo: string;
  amt: string;
  merchantKey: string;
}

export interface CancelTokenInput {
  timeStamp: string;
  iMid: string;
  tXid: string;
  amt: string;
  merchantKey: string;
}

export interface NotificationTokenInput {
  iMid: string;
  tXid: string;
  amt: string;
  merchantKey: string;
}

function referenceFormula(i: ReferenceTokenInput): string {
  return sha256Hex(i.timeStamp + i.iMid + i.referenceNo + i.amt + i.merchantKey);
}

export function registrationToken(i: ReferenceTokenInput): string {
  return referenceFormula(i);
}

/** Same formula as registration, but callers must pass the referenceNo and amt stored for the
 * tXid: payment clients often omit them. */
export function paymentToken(i: ReferenceTokenInput): string {
  return referenceFormula(i);
}

export function inquiryToken(i: ReferenceTokenInput): string {
  return referenceFormula(i);
}

/** amt is the amount being canceled (the partial amount for cancelType 2). */
export function cancelToken(i: CancelTokenInput): string {
  return sha256Hex(i.timeStamp + i.iMid + i.tXid + i.amt + i.merchantKey);
}

/** Kasir -> merchant dbProcessUrl; NICEPAY omits timeStamp here. */
export function notificationToken(i: NotificationTokenInput): string {
  return sha256Hex(i.iMid + i.tXid + i.amt + i.merchantKey);
}

/**
 * Constant-time comparison of a computed token with the one a client sent. Hex is compared
 * case-insensitively (some SDKs upper-case digests). The length check leaks only the length,
 * which is public (64) anyway; timingSafeEqual throws on unequal lengths, so it must come first.
 */
export function tokenMatches(expectedHex: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expectedHex.toLowerCase(), 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(a, b);
}
