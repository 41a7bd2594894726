// The cancel decision (src/core/payments/cancel-decision.ts, docs/cancel-rules.md) rule by rule, for each
// profile where the rule differs, calling the pure function with constructed payments and contracts.
// Rule 1 (the payment must be the calling merchant's) is not the decision's: cancel.ts only ever
// finds payments within the merchant (repo.ts PaymentRef lookups), so it has no row here. Rows
// marked "before …" pin the order of the rules: the first failing rule decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveContract } from '../src/core/contracts/defaults.ts';
import type { ContractOverride } from '../src/core/contracts/schema.ts';
import { KasirError, type ErrorCode } from '../src/core/errors.ts';
import { decideCancel, type CancelDecision, type CancelRequest } from '../src/core/payments/cancel-decision.ts';
import type { Payment, Profile } from '../src/core/payments/model.ts';

const MS = 1;
const SECOND = 1000 * MS;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

const CREATED = new Date('2025-03-10T12:00:00.000Z');
const after = (ms: number, from: Date = CREATED) => new Date(from.getTime() + ms);

/**
 * A payment with the fields the decision reads (status, method, amounts, the pending operation and
 * the moments its windows run from); only the fields a row names differ from this one.
 */
function payment(p: Partial<Payment>): Payment {
  return {
    id: '01957f3a-0000-7000-8000-000000000001',
    amount: 10_000n,
    currency: 'IDR',
    paymentMethod: 'card',
    amountRefunded: 0n,
    amountCanceled: 0n,
    pendingOperation: null,
    authorizedAt: null,
    succeededAt: null,
    createdAt: CREATED,
    ...p,
  } as Payment;
}

// Payments at the points of their life the rules care about.
const requiresPaymentMethod = (m: Partial<Payment> = {}) => payment({ status: 'requires_payment_method', paymentMethod: null, ...m });
const requiresConfirmation = (m: Partial<Payment> = {}) => payment({ status: 'requires_confirmation', ...m });
const requiresAction = (m: Partial<Payment> = {}) => payment({ status: 'requires_action', ...m });
const processing = (m: Partial<Payment> = {}) => payment({ status: 'processing', ...m });
/** An authorized card, not yet captured. */
const authorized = (m: Partial<Payment> = {}) =>
  payment({ status: 'requires_capture', captureMethod: 'manual', amountCapturable: 10_000n, authorizedAt: after(HOUR), ...m });
const succeeded = (m: Partial<Payment> = {}) =>
  payment({ status: 'succeeded', amountReceived: 10_000n, authorizedAt: after(HOUR), succeededAt: after(HOUR), capturedAt: after(HOUR), ...m });

type Expected =
  | { kind: 'void'; amount: bigint; submitted: boolean }
  | { kind: 'reversal'; amount: bigint; closes: boolean }
  | { error: ErrorCode; reason?: string; message?: string; deadline?: Date };

interface Row {
  name: string;
  profile: Profile;
  payment: Payment;
  /** Default: two hours after creation, inside every window. */
  now?: Date;
  req?: Partial<CancelRequest>;
  /** The merchant's contract overrides of this profile. */
  contract?: ContractOverride;
  expect: Expected;
}

const voided = (amount: bigint, submitted = true): Expected => ({ kind: 'void', amount, submitted });
const reversal = (amount: bigint, closes = true): Expected => ({ kind: 'reversal', amount, closes });
const refused = (error: ErrorCode, more: Omit<Extract<Expected, { error: ErrorCode }>, 'error'> = {}): Expected => ({ error, ...more });

const PROFILES: Profile[] = ['native', 'antom', 'nicepay'];
const forEachProfile = (make: (profile: Profile) => Omit<Row, 'profile'>): Row[] =>
  PROFILES.map((profile) => {
    const row = make(profile);
    return { ...row, name: `${profile}: ${row.name}`, profile };
  });

const ROWS: Row[] = [
  // 2. Already canceled: each dialect renders it its own way (Antom replays the success).
  ...forEachProfile(() => ({
    name: 'already canceled',
    payment: payment({ status: 'canceled', canceledAt: after(HOUR) }),
    expect: refused('ALREADY_CANCELED', { message: 'Payment cannot be cancelled because it has already been canceled' }),
  })),
  ...forEachProfile(() => ({
    name: 'already canceled, before refunded',
    payment: payment({ status: 'canceled', succeededAt: after(HOUR), amountRefunded: 1_000n, canceledAt: after(2 * HOUR) }),
    expect: refused('ALREADY_CANCELED'),
  })),

  // 3. Refunded through the refund operation.
  ...forEachProfile(() => ({
    name: 'partly refunded',
    payment: succeeded({ paymentMethod: 'gcash', amountRefunded: 1_000n }),
    expect: refused('ALREADY_REFUNDED', { message: 'Payment cannot be cancelled because it has been refunded' }),
  })),
  {
    name: 'nicepay: refunded card, before the partial cancel it would otherwise allow',
    profile: 'nicepay',
    payment: succeeded({ amountRefunded: 10_000n }),
    req: { amount: 1_000n, partial: true },
    expect: refused('ALREADY_REFUNDED'),
  },

  // 4a. A capture in progress.
  ...forEachProfile(() => ({
    name: 'capture in progress',
    payment: authorized({ pendingOperation: 'capture', pendingState: 'in_flight', pendingUntil: after(2 * HOUR) }),
    expect: refused('INVALID_STATE', { message: 'Payment cannot be cancelled while a capture is in progress' }),
  })),
  {
    name: 'nicepay: capture in progress, even where a partial cancel of the authorization is allowed',
    profile: 'nicepay',
    payment: authorized({ pendingOperation: 'capture', pendingState: 'unknown' }),
    req: { amount: 1_000n, partial: true },
    expect: refused('INVALID_STATE'),
  },

  // 4b. A captured card: only NICEPAY's profile cancels it (a reversal).
  {
    name: 'native: captured card',
    profile: 'native',
    payment: succeeded(),
    expect: refused('INVALID_STATE', { message: 'Payment cannot be cancelled because it has already been completed' }),
  },
  {
    name: 'antom: captured card',
    profile: 'antom',
    payment: succeeded(),
    expect: refused('INVALID_STATE', { message: 'Payment cannot be cancelled because it has already been completed' }),
  },
  {
    name: 'antom: captured card, before the cancel window',
    profile: 'antom',
    payment: succeeded(),
    now: after(30 * DAY),
    expect: refused('INVALID_STATE'),
  },
  { name: 'nicepay: captured card → reversal of everything', profile: 'nicepay', payment: succeeded(), expect: reversal(10_000n) },
  {
    name: 'native: captured card, contract allows cancels after success',
    profile: 'native',
    payment: succeeded(),
    contract: { cancel: { card: { afterSuccess: true } } },
    expect: reversal(10_000n),
  },

  // 5. Expired and failed payments.
  ...forEachProfile(() => ({
    name: 'expired',
    payment: payment({ status: 'expired', paymentMethod: 'va' }),
    expect: refused('INVALID_STATE', { message: 'Payment cannot be cancelled because it has expired' }),
  })),
  ...forEachProfile(() => ({
    name: 'payment failed',
    payment: payment({ status: 'payment_failed' }),
    expect: refused('INVALID_STATE', { message: 'Payment cannot be cancelled because it has already failed' }),
  })),
  {
    name: 'nicepay: expired VA, before the 90-day window',
    profile: 'nicepay',
    payment: payment({ status: 'expired', paymentMethod: 'va' }),
    now: after(100 * DAY),
    expect: refused('INVALID_STATE'),
  },

  // 6. Outside the cancel window.
  { name: 'native: no window (wallet, a year on)', profile: 'native', payment: requiresAction({ paymentMethod: 'gcash' }), now: after(365 * DAY), expect: voided(10_000n) },
  { name: 'native: no window (card authorization, a year on)', profile: 'native', payment: authorized(), now: after(365 * DAY), expect: voided(10_000n) },
  {
    name: 'antom: card, 7 days after authorization exactly (still inside)',
    profile: 'antom',
    payment: authorized({ authorizedAt: after(HOUR) }),
    now: after(7 * DAY, after(HOUR)),
    expect: voided(10_000n),
  },
  {
    name: 'antom: card, 1 ms past 7 days after authorization',
    profile: 'antom',
    payment: authorized({ authorizedAt: after(HOUR) }),
    now: after(7 * DAY + MS, after(HOUR)),
    expect: refused('CANCEL_WINDOW_EXCEEDED', { deadline: after(7 * DAY, after(HOUR)), message: 'The cancellation window for this payment has passed' }),
  },
  {
    name: 'antom: card, the window runs from authorization, not creation',
    profile: 'antom',
    payment: authorized({ authorizedAt: after(10 * DAY) }),
    now: after(12 * DAY),
    expect: voided(10_000n),
  },
  {
    name: 'antom: card not yet authorized, the window runs from creation',
    profile: 'antom',
    payment: requiresAction({ authorizedAt: null }),
    now: after(7 * DAY + SECOND),
    expect: refused('CANCEL_WINDOW_EXCEEDED', { deadline: after(7 * DAY) }),
  },
  {
    name: 'antom: wallet before success has no window',
    profile: 'antom',
    payment: requiresAction({ paymentMethod: 'gcash' }),
    now: after(30 * DAY),
    expect: voided(10_000n),
  },
  {
    // Succeeded 23:00 UTC+8 on 10 March: cancellable until 00:15 UTC+8 on 11 March.
    name: 'antom: wallet paid, at 00:15 UTC+8 the next day exactly → reversal',
    profile: 'antom',
    payment: succeeded({ paymentMethod: 'gcash', succeededAt: new Date('2025-03-10T15:00:00.000Z') }),
    now: new Date('2025-03-10T16:15:00.000Z'),
    expect: reversal(10_000n),
  },
  {
    name: 'antom: wallet paid, 1 ms past 00:15 UTC+8 the next day',
    profile: 'antom',
    payment: succeeded({ paymentMethod: 'gcash', succeededAt: new Date('2025-03-10T15:00:00.000Z') }),
    now: new Date('2025-03-10T16:15:00.001Z'),
    expect: refused('CANCEL_WINDOW_EXCEEDED', { deadline: new Date('2025-03-10T16:15:00.000Z') }),
  },
  {
    // 17:00 UTC is already 01:00 on 11 March in UTC+8: the cut-off is 00:15 on 12 March there.
    name: 'antom: wallet paid after midnight UTC+8, the next day is the local one',
    profile: 'antom',
    payment: succeeded({ paymentMethod: 'gcash', succeededAt: new Date('2025-03-10T17:00:00.000Z') }),
    now: new Date('2025-03-11T16:00:00.000Z'),
    expect: reversal(10_000n),
  },
  {
    name: 'nicepay: card, 90 days after creation exactly (still inside)',
    profile: 'nicepay',
    payment: authorized(),
    now: after(90 * DAY),
    expect: voided(10_000n),
  },
  {
    name: 'nicepay: card, 1 ms past 90 days',
    profile: 'nicepay',
    payment: succeeded(),
    now: after(90 * DAY + MS),
    expect: refused('CANCEL_WINDOW_EXCEEDED', { deadline: after(90 * DAY) }),
  },
  { name: 'nicepay: VA, past 90 days', profile: 'nicepay', payment: requiresAction({ paymentMethod: 'va' }), now: after(91 * DAY), expect: refused('CANCEL_WINDOW_EXCEEDED') },
  {
    name: 'nicepay: paid VA past 90 days, before the method rule',
    profile: 'nicepay',
    payment: succeeded({ paymentMethod: 'va' }),
    now: after(91 * DAY),
    expect: refused('CANCEL_WINDOW_EXCEEDED'),
  },
  { name: 'nicepay: thai banking has no window', profile: 'nicepay', payment: requiresAction({ paymentMethod: 'promptpay' }), now: after(365 * DAY), expect: voided(10_000n) },
  {
    name: 'nicepay: contract window anchored at success, passed',
    profile: 'nicepay',
    payment: succeeded({ succeededAt: after(10 * DAY) }),
    now: after(10 * DAY + 2 * HOUR),
    contract: { cancel: { card: { windowSeconds: 3600, windowAnchor: 'succeeded' } } },
    expect: refused('CANCEL_WINDOW_EXCEEDED', { deadline: after(10 * DAY + HOUR) }),
  },
  {
    name: 'nicepay: contract window anchored at success, inside',
    profile: 'nicepay',
    payment: succeeded({ succeededAt: after(10 * DAY) }),
    now: after(10 * DAY + 30 * 60 * SECOND),
    contract: { cancel: { card: { windowSeconds: 3600, windowAnchor: 'succeeded' } } },
    expect: reversal(10_000n),
  },

  // 7. Succeeded (or not yet), and the method may not be canceled in that status.
  { name: 'native: paid wallet', profile: 'native', payment: succeeded({ paymentMethod: 'gcash' }), expect: refused('METHOD_NOT_SUPPORTED', { reason: undefined, message: 'Payment cannot be cancelled because it has already been completed' }) },
  { name: 'native: paid VA', profile: 'native', payment: succeeded({ paymentMethod: 'va' }), expect: refused('METHOD_NOT_SUPPORTED') },
  { name: 'antom: paid PromptPay', profile: 'antom', payment: succeeded({ paymentMethod: 'promptpay' }), expect: refused('METHOD_NOT_SUPPORTED') },
  {
    name: 'antom: Indonesian method not even before success',
    profile: 'antom',
    payment: requiresAction({ paymentMethod: 'va' }),
    expect: refused('METHOD_NOT_SUPPORTED', { message: 'Payment cannot be cancelled in status requires_action' }),
  },
  { name: 'nicepay: paid VA', profile: 'nicepay', payment: succeeded({ paymentMethod: 'va' }), expect: refused('METHOD_NOT_SUPPORTED', { reason: undefined }) },
  { name: 'nicepay: paid QRIS', profile: 'nicepay', payment: succeeded({ paymentMethod: 'qris' }), expect: refused('METHOD_NOT_SUPPORTED') },
  { name: 'nicepay: paid bank transfer', profile: 'nicepay', payment: succeeded({ paymentMethod: 'bank_transfer' }), expect: refused('METHOD_NOT_SUPPORTED') },
  {
    name: 'native: contract refuses cancels before success',
    profile: 'native',
    payment: authorized(),
    contract: { cancel: { card: { beforeSuccess: false } } },
    expect: refused('METHOD_NOT_SUPPORTED'),
  },

  // 8. Succeeded and allowed: a reversal of what remains (or of the amount asked for).
  { name: 'antom: paid wallet inside the cut-off → reversal', profile: 'antom', payment: succeeded({ paymentMethod: 'gcash', succeededAt: after(HOUR) }), expect: reversal(10_000n) },
  { name: 'nicepay: paid e-wallet → reversal', profile: 'nicepay', payment: succeeded({ paymentMethod: 'ovo' }), expect: reversal(10_000n) },
  {
    name: 'native: paid wallet, contract allows cancels after success → reversal',
    profile: 'native',
    payment: succeeded({ paymentMethod: 'gcash' }),
    contract: { cancel: { wallet: { afterSuccess: true } } },
    expect: reversal(10_000n),
  },

  // 9. Otherwise a void; `submitted` once the processor has seen the payment.
  ...forEachProfile(() => ({ name: 'not yet confirmed', payment: requiresPaymentMethod(), expect: voided(10_000n, false) })),
  ...forEachProfile(() => ({ name: 'method attached, not submitted', payment: requiresConfirmation({ paymentMethod: 'gcash' }), expect: voided(10_000n, false) })),
  ...forEachProfile(() => ({ name: 'waiting for the buyer', payment: requiresAction({ paymentMethod: 'gcash' }), expect: voided(10_000n) })),
  ...forEachProfile(() => ({ name: 'processing', payment: processing({ paymentMethod: 'gcash' }), expect: voided(10_000n) })),
  ...forEachProfile(() => ({ name: 'authorized card', payment: authorized(), expect: voided(10_000n) })),
  { name: 'native: explicit amount equal to the whole is not partial', profile: 'native', payment: authorized(), req: { amount: 10_000n }, expect: voided(10_000n) },
  { name: 'nicepay: VA waiting for the deposit', profile: 'nicepay', payment: requiresAction({ paymentMethod: 'va' }), expect: voided(10_000n) },
  { name: 'nicepay: full cancel (cancelType 1) of an authorization', profile: 'nicepay', payment: authorized(), req: { full: true }, expect: voided(10_000n) },
  { name: 'nicepay: what remains after a partial cancel, voided', profile: 'nicepay', payment: authorized({ amountCanceled: 2_000n }), expect: voided(8_000n) },

  // Partial cancels: only where the contract allows (NICEPAY cards and e-wallets), never above what remains.
  { name: 'nicepay: partial cancel of a paid card → partial reversal', profile: 'nicepay', payment: succeeded(), req: { amount: 3_000n, partial: true }, expect: reversal(3_000n, false) },
  {
    name: 'nicepay: partial cancel of the rest → reversal that closes',
    profile: 'nicepay',
    payment: succeeded({ amountCanceled: 3_000n }),
    req: { amount: 7_000n, partial: true },
    expect: reversal(7_000n, true),
  },
  { name: 'nicepay: partial cancel of an authorization → partial void', profile: 'nicepay', payment: authorized(), req: { amount: 2_500n, partial: true }, expect: voided(2_500n) },
  { name: 'nicepay: partial cancel of a paid e-wallet', profile: 'nicepay', payment: succeeded({ paymentMethod: 'ovo' }), req: { amount: 1n, partial: true }, expect: reversal(1n, false) },
  {
    name: 'nicepay: zero',
    profile: 'nicepay',
    payment: succeeded(),
    req: { amount: 0n, partial: true },
    expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'not_positive' }),
  },
  { name: 'nicepay: negative', profile: 'nicepay', payment: succeeded(), req: { amount: -1n, partial: true }, expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'not_positive' }) },
  {
    name: 'nicepay: more than the amount',
    profile: 'nicepay',
    payment: succeeded(),
    req: { amount: 10_001n, partial: true },
    expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'exceeds_remaining', message: 'The cancel amount is larger than what remains on the payment' }),
  },
  {
    name: 'nicepay: more than remains after a partial cancel',
    profile: 'nicepay',
    payment: succeeded({ amountCanceled: 4_000n }),
    req: { amount: 6_001n, partial: true },
    expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'exceeds_remaining' }),
  },
  {
    name: 'nicepay: full cancel (cancelType 1) after a partial one',
    profile: 'nicepay',
    payment: succeeded({ amountCanceled: 3_000n }),
    req: { full: true },
    expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'full_after_partial' }),
  },
  {
    name: 'nicepay: full cancel of an authorization after a partial one',
    profile: 'nicepay',
    payment: authorized({ amountCanceled: 1_000n }),
    req: { full: true },
    expect: refused('CANCEL_AMOUNT_INVALID', { reason: 'full_after_partial' }),
  },
  { name: 'nicepay: full cancel (cancelType 1) of a paid card', profile: 'nicepay', payment: succeeded(), req: { full: true }, expect: reversal(10_000n) },
  {
    name: 'nicepay: partial on a VA (partial cancels refused)',
    profile: 'nicepay',
    payment: requiresAction({ paymentMethod: 'va' }),
    req: { amount: 5_000n, partial: true },
    expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported', message: 'This payment can only be canceled in full' }),
  },
  {
    name: 'nicepay: cancelType 2 for the whole amount on a VA is still partial',
    profile: 'nicepay',
    payment: requiresAction({ paymentMethod: 'va' }),
    req: { amount: 10_000n, partial: true },
    expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }),
  },
  {
    name: 'nicepay: zero on a VA, before the amount checks',
    profile: 'nicepay',
    payment: requiresAction({ paymentMethod: 'va' }),
    req: { amount: 0n, partial: true },
    expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }),
  },
  { name: 'nicepay: partial on thai banking', profile: 'nicepay', payment: requiresAction({ paymentMethod: 'promptpay' }), req: { amount: 5_000n }, expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }) },
  {
    name: 'nicepay: partial cancel API disabled in the contract',
    profile: 'nicepay',
    payment: succeeded(),
    req: { amount: 3_000n, partial: true },
    contract: { apis: { partialCancel: false } },
    expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }),
  },
  {
    name: 'nicepay: partial before payment (nothing to split yet)',
    profile: 'nicepay',
    payment: requiresAction(),
    req: { amount: 3_000n, partial: true },
    expect: refused('INVALID_STATE', { reason: 'partial_before_payment', message: 'Payment cannot be partially cancelled in status requires_action' }),
  },
  {
    name: 'nicepay: cancelType 2 for the whole amount before payment',
    profile: 'nicepay',
    payment: requiresPaymentMethod({ paymentMethod: 'card' }),
    req: { amount: 10_000n, partial: true },
    expect: refused('INVALID_STATE', { reason: 'partial_before_payment' }),
  },
  ...(['native', 'antom'] as const).flatMap((profile): Row[] => [
    { name: `${profile}: partial cancel of an authorization`, profile, payment: authorized(), req: { amount: 3_000n }, expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }) },
    // An amount other than what remains is a partial cancel: refused as such, before the amount checks.
    { name: `${profile}: more than the amount`, profile, payment: authorized(), req: { amount: 10_001n }, expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }) },
    { name: `${profile}: zero`, profile, payment: requiresAction({ paymentMethod: 'gcash' }), req: { amount: 0n }, expect: refused('METHOD_NOT_SUPPORTED', { reason: 'partial_not_supported' }) },
  ]),
];

function describe(d: CancelDecision | KasirError): Record<string, unknown> {
  if (d instanceof KasirError) return { error: d.code, reason: d.details?.reason, message: d.message, deadline: d.details?.deadline };
  return { ...d };
}

function expected(e: Expected, actual: Record<string, unknown>): Record<string, unknown> {
  if (!('error' in e)) return { ...e };
  // Only what the row names is compared (reason: undefined means "no reason").
  return {
    error: e.error,
    reason: 'reason' in e ? e.reason : actual.reason,
    message: e.message ?? actual.message,
    deadline: e.deadline ? e.deadline.toISOString() : actual.deadline,
  };
}

for (const row of ROWS) {
  test(`cancel decision — ${row.name}`, () => {
    const contract = effectiveContract(row.profile, row.contract ? { [row.profile]: row.contract } : {});
    const req: CancelRequest = { full: false, ...row.req };
    let actual: CancelDecision | KasirError;
    try {
      actual = decideCancel(row.payment, contract, row.now ?? after(2 * HOUR), req);
    } catch (err) {
      if (!(err instanceof KasirError)) throw err;
      actual = err;
    }
    const got = describe(actual);
    assert.deepEqual(got, expected(row.expect, got));
  });
}

test('cancel decision: every row has its own name', () => {
  const names = ROWS.map((r) => r.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});
