// Which Antom paymentMethodType a payment is sent upstream as. One small table, so that adding a
// provider's method is one line. A type the merchant chose in the Antom dialect is passed through
// as it is; NICEPAY's codes (mitraCd, bankCd) are translated; otherwise the core's method picks a
// default. No type → the account cannot take the payment (the submission moves to the next route).
import { coreMethodFor } from '../../dialects/antom/methods.ts';
import type { Payment } from '../../core/payments/model.ts';

/** What the core's method is sent as when nothing more specific is known. */
const DEFAULT_TYPE: Readonly<Record<string, string>> = {
  card: 'CARD',
  qris: 'QRIS',
  promptpay: 'PROMPTPAY',
  wallet: 'ALIPAY_CN',
  cvs: 'ALFAMART',
};

/** NICEPAY mitraCd / bankCd → Antom type (wallets, convenience stores, virtual-account banks). */
const NICEPAY_CODES: Readonly<Record<string, string>> = {
  OVOE: 'OVO',
  DANA: 'DANA',
  LINK: 'LINKAJA',
  ESHP: 'SHOPEEPAY',
  ALMA: 'ALFAMART',
  INDO: 'INDOMARET',
  BMRI: 'BANKTRANSFER_MANDIRI',
  BNIN: 'BANKTRANSFER_BNI',
  BRIN: 'BANKTRANSFER_BRI',
  CENA: 'BANKTRANSFER_BCA',
  BBBA: 'BANKTRANSFER_PERMATA',
  BNIA: 'BANKTRANSFER_CIMB',
  BDIN: 'BANKTRANSFER_DANAMON',
  IBBK: 'BANKTRANSFER_MAYBANK',
};

const ANTOM_TYPE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * The type for `p`, or null when this account has none for its method. A given type is used only
 * when Antom would file it under the same core method (a "DANA" card is not sent as DANA).
 */
export function antomTypeFor(p: Pick<Payment, 'paymentMethod' | 'methodType' | 'profile'>): string | null {
  const method = p.paymentMethod;
  if (!method) return null;
  const given = p.methodType?.toUpperCase() ?? null;
  const translated = given && p.profile === 'nicepay' ? (NICEPAY_CODES[given] ?? null) : given;
  if (translated && ANTOM_TYPE.test(translated) && coreMethodFor(translated) === method) return translated;
  // A virtual account names its bank: Antom's type is per bank.
  if (method === 'va' && translated && ANTOM_TYPE.test(translated)) return `BANKTRANSFER_${translated}`;
  return DEFAULT_TYPE[method] ?? null;
}
