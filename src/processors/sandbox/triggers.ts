// The sandbox's documented test triggers (README "Sandbox test triggers"). Card numbers decide a
// confirm; a `sandbox:<trigger>` word in the payment's description decides later processor calls,
// in every dialect (native description, Antom orderDescription, NICEPAY description/goodsNm).

export const TEST_CARDS = {
  '4242424242424242': 'succeeds',
  '5123450000000008': 'succeeds', // NICEPAY's published sandbox card
  '4000002500003155': 'requires_3ds',
  '4000000000003220': 'requires_3ds',
  '4000000000000002': 'declined',
  '4000000000009995': 'declined', // insufficient funds
  '4000000000000119': 'times_out',
} as const satisfies Record<string, string>;
export type CardBehaviour = (typeof TEST_CARDS)[keyof typeof TEST_CARDS];

/** Any other Luhn-valid number behaves like the first; numbers failing Luhn are declined. */
export function cardBehaviour(number: string | undefined): CardBehaviour {
  if (!number) return 'succeeds';
  const digits = number.replace(/[\s-]/g, '');
  if (Object.hasOwn(TEST_CARDS, digits)) return TEST_CARDS[digits as keyof typeof TEST_CARDS];
  return luhnValid(digits) ? 'succeeds' : 'declined';
}

function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export const TRIGGERS = {
  confirm_timeout: 'the first confirm times out (outcome unknown); the processor did authorize',
  capture_timeout: 'the first capture times out; the processor did capture',
  cancel_timeout: 'the first cancel times out (Antom U / UNKNOWN_EXCEPTION); the processor did cancel, a retry completes it',
  refund_timeout: 'the first refund times out; the processor did refund',
  cancel_payer_not_found: 'a reversal answers PAYER_NOT_FOUND (Antom USER_NOT_EXIST)',
  cancel_payer_abnormal: 'a reversal answers PAYER_ABNORMAL (Antom USER_STATUS_ABNORMAL)',
  cancel_system_error: 'a cancel answers a processor system error (Antom SYSTEM_ERROR)',
  refund_declined: 'a refund is declined by the processor',
} as const;
export type Trigger = keyof typeof TRIGGERS;

/** The trigger named in a description such as "Order 42 sandbox:cancel_timeout", if any. */
export function triggerIn(description: string | null | undefined): Trigger | null {
  const m = /\bsandbox:([a-z_]+)/.exec(description ?? '');
  return m && Object.hasOwn(TRIGGERS, m[1]) ? (m[1] as Trigger) : null;
}
