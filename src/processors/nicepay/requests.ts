// The bodies Kasir sends to a NICEPAY upstream, built from the operation record and the payment only
// (docs/nicepay-api.md). A registration is keyed by referenceNo = the operation id and must be the same
// bytes every time it is sent (NICEPAY answers an identical re-send with the same tXid, a different
// one with 9009), so nothing in it may come from the current time: its timeStamp is the operation's.
import type { OperationRecord } from '../../core/processors/processor.ts';
import { ProcessorUnavailable } from '../../core/processors/processor.ts';
import type { Payment } from '../../core/payments/model.ts';
import { IDR, minorToRupiah } from '../../dialects/nicepay/fields.ts';
import type { PayMethod } from '../../dialects/nicepay/methods.ts';
import { cancelToken, inquiryToken, paymentToken, registrationToken } from '../../dialects/nicepay/token.ts';
import { wibParts } from '../../dialects/nicepay/txid.ts';
import { endpointUrl } from './client.ts';
import { partnerFor } from './partners.ts';

/** What every request is signed with: the account's iMid and (opened in memory) merchantKey. */
export interface Credentials {
  iMid: string;
  merchantKey: string;
  baseUrl: string;
}

/** `YYYYMMDDHHMMSS` in WIB. */
export function wibStamp(at: Date): string {
  const w = wibParts(at);
  return w.transDt + w.transTm;
}

/** NICEPAY amounts are whole Rupiah; Kasir keeps IDR in minor units. A fraction cannot be sent at all. */
export function rupiah(minor: bigint): string | null {
  return minor > 0n && minor % 100n === 0n ? minorToRupiah(minor) : null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const clip = (s: string, max: number) => s.slice(0, max);

/** WIB date and time fields of a deadline: the one the caller gave NICEPAY-style, else the payment's expiry. */
function validity(p: Payment, dt: string, tm: string): Record<string, string> {
  const d = p.dialectData;
  if (str(d[dt]) && str(d[tm])) return { [dt]: d[dt] as string, [tm]: d[tm] as string };
  if (!p.expiresAt) return {}; // the upstream's own default (48 h)
  const w = wibParts(p.expiresAt);
  return { [dt]: w.transDt, [tm]: w.transTm };
}

function methodFields(p: Payment, pm: PayMethod): Record<string, string> {
  const partner = partnerFor(p, pm);
  const d = p.dialectData;
  switch (pm) {
    case '02':
      return { bankCd: partner.bankCd!, ...validity(p, 'vacctValidDt', 'vacctValidTm') };
    case '03':
      return { mitraCd: partner.mitraCd!, ...validity(p, 'payValidDt', 'payValidTm') };
    case '08':
      return { mitraCd: partner.mitraCd!, ...validity(p, 'paymentExpDt', 'paymentExpTm') };
    case '05':
      return { mitraCd: partner.mitraCd!, userIP: str(d.userIP) ?? '127.0.0.1' };
    case '01':
      // Full payment, one instalment, no recurring: what a plain card purchase is at NICEPAY.
      return { instmntType: str(d.instmntType) ?? '1', instmntMon: str(d.instmntMon) ?? '1', recurrOpt: str(d.recurrOpt) ?? '0', userIP: str(d.userIP) ?? '127.0.0.1' };
  }
}

/**
 * The buyer's details as the merchant gave them (NICEPAY-dialect registrations keep them), else
 * neutral placeholders: NICEPAY requires every billing field, and Antom or native payments carry none.
 */
function billing(p: Payment): Record<string, string> {
  const d = p.dialectData;
  const pick = (k: string, fallback: string, max: number) => clip(str(d[k]) ?? fallback, max);
  return {
    billingNm: pick('billingNm', 'Customer', 100),
    billingPhone: pick('billingPhone', '0000000000', 30),
    billingEmail: pick('billingEmail', 'customer@example.invalid', 100),
    billingAddr: pick('billingAddr', '-', 100),
    billingCity: pick('billingCity', 'Jakarta', 50),
    billingState: pick('billingState', 'DKI Jakarta', 50),
    billingPostCd: pick('billingPostCd', '10110', 10),
    billingCountry: pick('billingCountry', 'Indonesia', 50),
  };
}

export function registrationBody(c: Credentials, op: OperationRecord, p: Payment, pm: PayMethod, dbProcessUrl: string): Record<string, string> {
  if (op.currency !== IDR) throw new ProcessorUnavailable(`NICEPAY takes IDR only, not ${op.currency}`);
  const amt = rupiah(op.amount);
  if (amt === null) throw new ProcessorUnavailable('NICEPAY takes whole Rupiah amounts only');
  const timeStamp = wibStamp(op.createdAt);
  const d = p.dialectData;
  const description = p.description ?? '';
  const body: Record<string, string> = {
    timeStamp,
    iMid: c.iMid,
    payMethod: pm,
    currency: IDR,
    amt,
    referenceNo: op.id,
    goodsNm: clip(str(d.goodsNm) ?? (str(description) || 'Payment'), 100),
    ...billing(p),
    description: clip(str(d.description) ?? description, 255),
    cartData: '{}',
    dbProcessUrl,
    ...methodFields(p, pm),
  };
  body.merchantToken = registrationToken({ timeStamp, iMid: c.iMid, referenceNo: op.id, amt, merchantKey: c.merchantKey });
  return body;
}

/** An inquiry by tXid when known, else by iMid + referenceNo (the charge's operation id). */
export function inquiryBody(c: Credentials, charge: OperationRecord, tXid: string | null, now: Date): Record<string, string> {
  const timeStamp = wibStamp(now);
  const amt = minorToRupiah(charge.amount);
  return {
    timeStamp,
    ...(tXid ? { tXid } : {}),
    iMid: c.iMid,
    referenceNo: charge.id,
    amt,
    merchantToken: inquiryToken({ timeStamp, iMid: c.iMid, referenceNo: charge.id, amt, merchantKey: c.merchantKey }),
  };
}

export function cancelBody(c: Credentials, tXid: string, pm: PayMethod, full: boolean, amt: string, now: Date): Record<string, string> {
  const timeStamp = wibStamp(now);
  return {
    timeStamp,
    tXid,
    iMid: c.iMid,
    payMethod: pm,
    cancelType: full ? '1' : '2',
    amt,
    cancelMsg: 'Request Cancel',
    preauthToken: '',
    merchantToken: cancelToken({ timeStamp, iMid: c.iMid, tXid, amt, merchantKey: c.merchantKey }),
  };
}

/**
 * The upstream's browser payment page for a card or e-wallet charge: the buyer types the card (or
 * approves in the wallet) there, never through Kasir. Signed with the payment formula over the
 * charge's referenceNo and amt, timeStamp the charge's own, so the same charge always gives the same URL.
 */
export function paymentUrl(c: Credentials, charge: OperationRecord, tXid: string, callBackUrl: string): string {
  const timeStamp = wibStamp(charge.createdAt);
  const amt = minorToRupiah(charge.amount);
  const q = new URLSearchParams({
    timeStamp,
    tXid,
    merchantToken: paymentToken({ timeStamp, iMid: c.iMid, referenceNo: charge.id, amt, merchantKey: c.merchantKey }),
    callBackUrl,
  });
  return `${endpointUrl(c.baseUrl, 'payment')}?${q}`;
}
