// NICEPAY notifications to the merchant's dbProcessUrl: a form-urlencoded POST with
// merchantToken = SHA256(iMid + tXid + amt + merchantKey), `status` 0 when the money arrived and 1
// for a reversal (a cancel of a paid transaction, full or partial: event data kind 'reversal').
// `amt` is the transaction's amount, so merchants verify the token with the amount they stored;
// a reversal adds `cancelAmt`, the amount given back by that cancel. Any 2xx acknowledges.
import type { NotificationFormat, OutboxItem } from '../../core/notifications/format.ts';
import type { Payment } from '../../core/payments/model.ts';
import { minorToRupiah } from './fields.ts';
import { authNo, methodFields, nicepayData, wibOrNull } from './render.ts';
import { notificationToken } from './token.ts';

const M = 60_000;
const H = 60 * M;

/** 0 = paid (deposit), 1 = reversal; null = not reported (a void of an unpaid transaction). */
export function notificationStatus(item: Pick<OutboxItem, 'eventType' | 'eventData'>): '0' | '1' | null {
  if (item.eventType === 'succeeded') return '0';
  if ((item.eventType === 'canceled' || item.eventType === 'partially_canceled') && item.eventData.kind === 'reversal') return '1';
  return null;
}

export function notificationFields(item: OutboxItem, p: Payment, iMid: string, merchantKey: string): Record<string, string> {
  const status = notificationStatus(item)!;
  const d = nicepayData(p);
  const amt = minorToRupiah(p.amount);
  const deposit = wibOrNull(p.succeededAt);
  const fields: Record<string, string | null | undefined> = {
    tXid: p.nicepayTxid!,
    merchantToken: notificationToken({ iMid, tXid: p.nicepayTxid!, amt, merchantKey }),
    referenceNo: p.nicepayReferenceNo,
    payMethod: d.payMethod,
    amt,
    transDt: d.transDt,
    transTm: d.transTm,
    currency: d.currency,
    goodsNm: d.goodsNm,
    billingNm: d.billingNm,
    description: d.description,
    matchCl: '1',
    status,
    depositDt: deposit.dt,
    depositTm: deposit.tm,
    ...methodFields(d),
    ...(d.payMethod === '01' ? { authNo: authNo(p) } : {}),
    ...(status === '1' && item.eventAmount !== null ? { cancelAmt: minorToRupiah(item.eventAmount) } : {}),
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

export const nicepayNotificationFormat: NotificationFormat = {
  retryDelaysMs: [1 * M, 5 * M, 15 * M, 1 * H, 3 * H, 6 * H, 12 * H, 24 * H],
  build(item, payment, credential) {
    if (notificationStatus(item) === null || !credential?.secret || !payment.nicepayTxid) return null;
    const body = new URLSearchParams(notificationFields(item, payment, credential.keyId, credential.secret)).toString();
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
  },
  isAcknowledged: (status) => status >= 200 && status < 300,
};
