// Antom `paymentMethodType` → the core's payment method, whose family (core/contracts/defaults.ts
// methodFamily) selects the cancel rules of docs.antom.com cashierpay/cancel. The type itself is
// kept on the payment (`methodType`) and echoed back as `paymentMethodType`.

/** Indonesian bank transfers (virtual accounts) and convenience stores: never cancellable in the antom profile. */
const INDONESIAN_VA = /^(BANKTRANSFER_|VA_)/;
const INDONESIAN_CVS = new Set(['ALFAMART', 'INDOMARET']);
/** Thai online/mobile banking: cancellable only before payment, like PromptPay. */
const THAI_BANKING = new Set(['BANGKOKBANK', 'KRUNGTHAIBANK', 'SIAMCOMMERCIALBANK', 'KRUNGSRIBANK', 'KASIKORNBANK']);

/**
 * Everything else that is not a card is a wallet or wallet-like method (ALIPAY_CN, ALIPAY_HK, GCASH,
 * DANA, TRUEMONEY, KAKAOPAY, TNG, BOOST, …): the docs' "others" row.
 */
export function coreMethodFor(paymentMethodType: string): string {
  const t = paymentMethodType.toUpperCase();
  if (t === 'CARD') return 'card';
  if (t === 'PROMPTPAY') return 'promptpay';
  if (t === 'QRIS') return 'qris';
  if (INDONESIAN_VA.test(t)) return 'va';
  if (INDONESIAN_CVS.has(t)) return 'cvs';
  if (THAI_BANKING.has(t) || t.startsWith('ONLINEBANKING_TH') || t.startsWith('MOBILEBANKING_TH')) return 'thai_banking';
  return 'wallet';
}

/** What inquiryPayment shows for a payment made through another dialect (it has no Antom type). */
export function antomMethodType(methodType: string | null, paymentMethod: string | null): string | null {
  return methodType ?? paymentMethod?.toUpperCase() ?? null;
}
