// NICEPAY payMethod codes and the partner codes each method takes, mapped to the core's payment
// methods (docs/nicepay-api.md). Translation tables only: which method may be canceled when is the
// contract's business (src/core/contracts/defaults.ts, profile 'nicepay').

export const PAY_METHODS = {
  '01': { core: 'card', name: 'card' },
  '02': { core: 'va', name: 'virtual account' },
  '03': { core: 'cvs', name: 'convenience store' },
  '05': { core: 'wallet', name: 'e-wallet' },
  '08': { core: 'qris', name: 'QRIS' },
} as const;
export type PayMethod = keyof typeof PAY_METHODS;

export function isPayMethod(code: string | undefined): code is PayMethod {
  return code !== undefined && Object.hasOwn(PAY_METHODS, code);
}

/** The NICEPAY payMethod of a core payment method (for payments that did not come through NICEPAY). */
export function payMethodOf(coreMethod: string | null): PayMethod | null {
  for (const [code, m] of Object.entries(PAY_METHODS)) if (m.core === coreMethod) return code as PayMethod;
  return null;
}

/**
 * Virtual-account banks and the digits the sandbox puts before the tXid's last 10 digits
 * (`sandboxVacctNo`). The prefixes are Kasir's sandbox choice, stable so fixtures can rely on them.
 */
export const VA_BANKS: Readonly<Record<string, string>> = Object.freeze({
  BMRI: '8950', CENA: '3901', BNIN: '8848', BRIN: '8878', BBBA: '7152', IBBK: '7820', HNBN: '9678', BNIA: '5919', BDIN: '8855',
});

/** Convenience stores and the digit their sandbox payment codes start with. */
export const CVS_PARTNERS: Readonly<Record<string, string>> = Object.freeze({ ALMA: '1', INDO: '2' });

export const EWALLET_PARTNERS: readonly string[] = ['OVOE', 'LINK', 'DANA', 'ESHP'];

/** QRIS acquirer codes accepted; QSHP (ShopeePay QRIS) is what the published samples use. */
export const QRIS_DEFAULT_PARTNER = 'QSHP';

/** VA, CVS and QRIS are paid outside the browser flow (at the bank, the store or by scanning). */
export function isPaidOffline(p: PayMethod): boolean {
  return p === '02' || p === '03' || p === '08';
}
