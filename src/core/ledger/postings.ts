// The journals each money movement of a payment posts. Funds flow:
//   capture:    external:payers → merchant pending
//   hold:       merchant pending (or available once settled) → merchant reserved   [refund / reversal claimed]
//   payout of a hold (refund, reversal, late-funds reversal): merchant reserved → external:payers
//   release:    merchant reserved → back where it came from   [processor refused]
//   settlement: merchant pending → merchant available
//   payout:     merchant available → external:payouts
import type { Queryable } from '../../db/db.ts';
import type { Payment } from '../payments/model.ts';
import { EXTERNAL_PAYERS, EXTERNAL_PAYOUTS, merchantAccount } from './accounts.ts';
import { postJournal } from './journal.ts';

type Kind = 'capture' | 'hold' | 'release' | 'refund' | 'reversal' | 'late_payment' | 'late_payment_reversal' | 'settlement';

function post(q: Queryable, p: Payment, kind: Kind, at: Date, from: string, to: string, amount: bigint) {
  return postJournal(q, {
    merchantId: p.merchantId,
    paymentId: p.id,
    kind,
    currency: p.currency,
    at,
    entries: [
      { account: from, amount: -amount },
      { account: to, amount },
    ],
  });
}

const bucketOf = (p: Payment) => merchantAccount(p.merchantId, p.settledAt ? 'available' : 'pending');

export const postCapture = (q: Queryable, p: Payment, amount: bigint, at: Date, kind: 'capture' | 'late_payment' = 'capture') =>
  post(q, p, kind, at, EXTERNAL_PAYERS, merchantAccount(p.merchantId, 'pending'), amount);

/** Reserves funds for an outgoing refund or reversal; refused with MERCHANT_BALANCE_NOT_ENOUGH. */
export const postHold = (q: Queryable, p: Payment, amount: bigint, at: Date) => post(q, p, 'hold', at, bucketOf(p), merchantAccount(p.merchantId, 'reserved'), amount);

export const postRelease = (q: Queryable, p: Payment, amount: bigint, at: Date) => post(q, p, 'release', at, merchantAccount(p.merchantId, 'reserved'), bucketOf(p), amount);

export const postPaidOut = (q: Queryable, p: Payment, amount: bigint, at: Date, kind: 'refund' | 'reversal' | 'late_payment_reversal') =>
  post(q, p, kind, at, merchantAccount(p.merchantId, 'reserved'), EXTERNAL_PAYERS, amount);

export const postSettlement = (q: Queryable, p: Payment, amount: bigint, at: Date) =>
  post(q, p, 'settlement', at, merchantAccount(p.merchantId, 'pending'), merchantAccount(p.merchantId, 'available'), amount);

/** A merchant withdrawing settled funds (admin API): lowers `available`, never below zero. */
export function postPayout(q: Queryable, merchantId: string, currency: string, amount: bigint, at: Date) {
  return postJournal(q, {
    merchantId,
    paymentId: null,
    kind: 'payout',
    currency,
    at,
    entries: [
      { account: merchantAccount(merchantId, 'available'), amount: -amount },
      { account: EXTERNAL_PAYOUTS, amount },
    ],
  });
}
