// NICEPAY result codes as data, so handlers name the situation and the wire text stays exact.
// Messages are byte-for-byte what clients compare against; do not reword them.

export interface NicepayResult {
  readonly resultCd: string;
  readonly resultMsg: string;
}

const r = (resultCd: string, resultMsg: string): NicepayResult => Object.freeze({ resultCd, resultMsg });

export const SUCCESS = r('0000', 'SUCCESS');
export const INVALID_TOKEN = r('9010', 'Invalid Merchant Token. Contact NICEPay for further information.');
export const UNKNOWN_IMID = r('9011', 'Invalid MID');
/** Cancel: tXid unknown for this iMid, or payMethod does not match the transaction. */
export const CANNOT_CANCEL = r('9314', 'Can not cancel your request transaction number.');
export const DUPLICATE_CANCEL = r('9315', 'Cancel Ledger duplicate registration error.');
export const FULL_AFTER_PARTIAL = r('9320', 'Can not cancel the entire data already partially canceled.');
export const AMOUNT_TOO_LARGE = r('9319', 'The amount you entered is larger than the amount you want to cancel.');
/** amt is "0" (or canonicalises to zero). */
export const AMOUNT_NOT_POSITIVE = r('9321', 'amount must be greater than zero');
/** amt present but not a whole-Rupiah integer. */
export const NO_CANCEL_AMOUNT = r('9312', 'no cancellation amount');
export const INVALID_CANCEL_TYPE = r('9301', 'Invalid Cancel Type.');
export const VA_PARTIAL = r('9318', 'Virtual account can not request to cancel');
export const VA_PAID = r('9330', 'Virtual account deposit has been completed can not be canceled.');
export const MERCHANT_CANNOT_CANCEL = r('9331', 'The merchant can not be canceled');
export const MERCHANT_CANNOT_PARTIAL = r('9332', 'The merchant can not be partial cancellation');
export const WINDOW_EXCEEDED = r('9334', 'Cancellation period exceeds (limit 90 days)');
/** Inquiry: no transaction with this tXid / referenceNo (and amt) for the iMid. */
export const NOT_FOUND = r('9228', 'Transaction not found');
/** Registration: the cartData items do not add up to amt. */
export const CART_MISMATCH = r('9023', 'Cart data amount is not matched with transaction amount');

/**
 * resultCd for "Undefined: <field>" (a required field missing or empty). amt 9007, currency 9013,
 * referenceNo 9014, goodsNm 9015, billingNm 9016, billingPhone 9017 and billingEmail 9018 are
 * NICEPAY's published codes. The rest are Kasir's own choice in 9040–9059, clear of NICEPAY's
 * published 9001–9023; they are part of Kasir's wire contract now, so never renumber them.
 */
export const UNDEFINED_FIELD_CODES: Readonly<Record<string, string>> = Object.freeze({
  amt: '9007',
  currency: '9013',
  referenceNo: '9014',
  goodsNm: '9015',
  billingNm: '9016',
  billingPhone: '9017',
  billingEmail: '9018',
  timeStamp: '9040',
  iMid: '9041',
  merchantToken: '9042',
  tXid: '9043',
  payMethod: '9044',
  cancelType: '9045',
  preauthToken: '9046',
  billingCity: '9047',
  billingState: '9048',
  billingPostCd: '9049',
  billingCountry: '9050',
  dbProcessUrl: '9051',
  bankCd: '9052',
  mitraCd: '9053',
  userIP: '9054',
  cartData: '9055',
  callBackUrl: '9056',
  cardNo: '9057',
  cardExpYymm: '9058',
  cardCvv: '9059',
});

/** Code for a field not in the map, so an unlisted required field still gets a 4-char code. */
export const UNDEFINED_FIELD_FALLBACK = '9099';

export function undefinedField(field: string): NicepayResult {
  const code = Object.hasOwn(UNDEFINED_FIELD_CODES, field) ? UNDEFINED_FIELD_CODES[field]! : UNDEFINED_FIELD_FALLBACK;
  return r(code, `Undefined: ${field}`);
}
