// Which NICEPAY payMethod and partner (bankCd / mitraCd) a core payment is sent as. A payment made
// through Kasir's NICEPAY dialect names them itself (dialectData, methodType); one made through the
// Antom dialect names Antom's paymentMethodType (DANA, BANKTRANSFER_MANDIRI, ALFAMART…); a native one
// only the core method, and gets the usual partner. A method NICEPAY has no code for is "not
// available here" (ProcessorUnavailable): the submission may go to the merchant's next route.
import { ProcessorUnavailable } from '../../core/processors/processor.ts';
import type { Payment } from '../../core/payments/model.ts';
import { CVS_PARTNERS, EWALLET_PARTNERS, isPayMethod, payMethodOf, QRIS_DEFAULT_PARTNER, VA_BANKS, type PayMethod } from '../../dialects/nicepay/methods.ts';

/** Antom paymentMethodType → NICEPAY partner code. */
const ANTOM_PARTNERS: Readonly<Record<string, string>> = Object.freeze({
  DANA: 'DANA', OVO: 'OVOE', LINKAJA: 'LINK', SHOPEEPAY: 'ESHP', SHOPEEPAY_ID: 'ESHP',
  ALFAMART: 'ALMA', INDOMARET: 'INDO',
  BANKTRANSFER_MANDIRI: 'BMRI', BANKTRANSFER_BNI: 'BNIN', BANKTRANSFER_BRI: 'BRIN', BANKTRANSFER_CIMB: 'BNIA',
  BANKTRANSFER_PERMATA: 'BBBA', BANKTRANSFER_MAYBANK: 'IBBK', BANKTRANSFER_DANAMON: 'BDIN', BANKTRANSFER_BCA: 'CENA',
});

/** The partner a method takes when the payment names none (NICEPAY's published samples). */
const DEFAULT_PARTNER: Partial<Record<PayMethod, string>> = { '02': 'BMRI', '03': 'ALMA' };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export function payMethodFor(p: Pick<Payment, 'paymentMethod' | 'dialectData'>): PayMethod {
  const given = str(p.dialectData.payMethod);
  if (given && isPayMethod(given)) return given;
  // A native bank transfer to an Indonesian payer is a virtual account.
  const pm = p.paymentMethod === 'bank_transfer' ? '02' : payMethodOf(p.paymentMethod);
  if (!pm) throw new ProcessorUnavailable(`NICEPAY has no payMethod for ${p.paymentMethod ?? 'a payment without a method'}`);
  return pm;
}

/** The fields naming the partner: bankCd for a VA, mitraCd for CVS, e-wallet and QRIS, none for cards. */
export function partnerFor(p: Pick<Payment, 'methodType' | 'dialectData'>, pm: PayMethod): { bankCd?: string; mitraCd?: string } {
  if (pm === '01') return {};
  // QRIS is one scheme whoever acquires it: a NICEPAY-dialect mitraCd passes through, anything else
  // (Antom's type "QRIS", a native qris) takes the default acquirer.
  if (pm === '08') return { mitraCd: str(p.dialectData.mitraCd) ?? QRIS_DEFAULT_PARTNER };
  const accepted: readonly string[] = pm === '02' ? Object.keys(VA_BANKS) : pm === '03' ? Object.keys(CVS_PARTNERS) : EWALLET_PARTNERS;
  const named = str(pm === '02' ? p.dialectData.bankCd : p.dialectData.mitraCd) ?? str(p.methodType)?.toUpperCase();
  const code = named === undefined ? DEFAULT_PARTNER[pm] : accepted.includes(named) ? named : Object.hasOwn(ANTOM_PARTNERS, named) ? ANTOM_PARTNERS[named] : undefined;
  if (code === undefined || !accepted.includes(code)) {
    throw new ProcessorUnavailable(named === undefined
      ? `NICEPAY payMethod ${pm} needs a partner (mitraCd) and the payment names none`
      : `NICEPAY does not offer ${named} as payMethod ${pm}`);
  }
  return pm === '02' ? { bankCd: code } : { mitraCd: code };
}
