// POST /nicepay/direct/v2/registration: authenticate, validate, and create the payment (VA, CVS and
// QRIS are confirmed at once so the buyer gets a VA number, payment code or QR). referenceNo is the
// idempotency key: an identical re-send (timeStamp and token aside) returns the same tXid, a
// different request under the same referenceNo is 9009.
import { KasirError } from '../../../core/errors.ts';
import { requestHash } from '../../../core/idempotency.ts';
import { keyedStage, type DialectAnswers } from '../../../http/pipeline.ts';
import { jsonBoundsProblem } from '../../../http/json-bounds.ts';
import { submitIfOwed } from '../../../core/payments/confirm.ts';
import { createPayment } from '../../../core/payments/create.ts';
import type { Payment } from '../../../core/payments/model.ts';
import { findPayment } from '../../../core/payments/repo.ts';
import { authenticate, type Authenticated, type NicepayDeps } from '../auth.ts';
import {
  httpUrl, IDR, invalid, maxLen, opt, parseWib, registrationAmount, req, requireFields, rupiahToMinor, type Fields,
} from '../fields.ts';
import { CVS_PARTNERS, EWALLET_PARTNERS, isPaidOffline, isPayMethod, PAY_METHODS, QRIS_DEFAULT_PARTNER, VA_BANKS, type PayMethod } from '../methods.ts';
import { sandboxQrContent } from '../qris.ts';
import { isLive } from '../live.ts';
import { methodFields, nicepayData, nicepayError, transactionFields, type NicepayData } from '../render.ts';
import { SUCCESS } from '../result-codes.ts';
import type { NicepayReply, NicepayRequest } from '../route.ts';
import { registrationToken } from '../token.ts';
import { canonicalAmount } from '../transport.ts';
import { sandboxVacctNo, wibParts } from '../txid.ts';

const REQUIRED = [
  'timeStamp', 'iMid', 'payMethod', 'currency', 'amt', 'referenceNo', 'goodsNm', 'billingNm', 'billingPhone', 'billingEmail',
  'billingCity', 'billingState', 'billingPostCd', 'billingCountry', 'dbProcessUrl', 'merchantToken',
] as const;

/** Unpaid VA, CVS and QRIS lapse after this unless the request names a validity (NICEPAY: 48 h). */
const DEFAULT_VALIDITY_MS = 48 * 3600_000;
/** Card and e-wallet registrations waiting for the browser payment step. */
const BROWSER_VALIDITY_MS = 24 * 3600_000;

/** The events the merchant's dbProcessUrl hears about; notify.ts picks paid (0) and reversals (1). */
export const NOTIFY_EVENTS = ['succeeded', 'canceled', 'partially_canceled'];

export async function registrationHandler(deps: NicepayDeps, r: NicepayRequest): Promise<NicepayReply> {
  const f = r.fields;
  requireFields(f, REQUIRED);
  const rawAmt = req(f, 'amt');
  const auth = await authenticate(deps, req(f, 'iMid'), r.requestId, opt(f, 'merchantToken'), (merchantKey) =>
    [rawAmt, canonicalAmount(rawAmt) ?? rawAmt].map((amt) =>
      registrationToken({ timeStamp: req(f, 'timeStamp'), iMid: req(f, 'iMid'), referenceNo: req(f, 'referenceNo'), amt, merchantKey })),
  );
  const order = validate(f, deps.core.clock.now());
  // The pipeline's idempotency stage, keyed by referenceNo (an identical re-send replays the answer).
  const reply = await keyedStage(NICEPAY_ANSWERS, deps.core, auth.ctx, { scope: 'nicepay-registration', name: 'referenceNo', key: order.referenceNo, hash: order.hash },
    async (ctx) => ({ json: JSON.stringify(await register(deps, { ...auth, ctx }, order)) }), NICEPAY_ANSWERS.renderError);
  if ('failed' in reply) throw reply.failed; // rendered by the route, logged there when internal
  return reply;
}

/** NICEPAY registration answers: a success is final (replayed byte for byte); a refusal lets a retry run. */
const NICEPAY_ANSWERS: DialectAnswers<NicepayReply & { failed?: unknown }> = {
  dialect: 'nicepay',
  renderError: (err) => ({ json: { ...nicepayError(err, 'registration') }, failed: err }),
  isInternal: () => false,
  isFinal: (r) => !('failed' in r),
  store: (r) => ({ status: 200, body: 'json' in r && typeof r.json === 'string' ? r.json : JSON.stringify('json' in r ? r.json : {}) }),
  replay: (_status, body) => ({ json: body }),
};

const mismatch = () => new KasirError('IDEMPOTENCY_MISMATCH', 'Duplicate referenceNo: it was registered with different parameters');

interface Order {
  referenceNo: string;
  payMethod: PayMethod;
  amt: string;
  expiresAt: Date;
  hash: string;
  data: Omit<NicepayData, 'iMid' | 'transDt' | 'transTm' | 'vacctNo' | 'payNo' | 'qrContent'> & { notifyUrl: string };
}

function validate(f: Fields, now: Date): Order {
  const pm = req(f, 'payMethod');
  if (!isPayMethod(pm)) throw invalid('payMethod', `${pm} is not supported (01 card, 02 virtual account, 03 CVS, 05 e-wallet, 08 QRIS)`);
  if (req(f, 'currency') !== IDR) throw invalid('currency', 'only IDR is supported');
  const amt = registrationAmount(f);
  for (const [name, max] of [['referenceNo', 40], ['goodsNm', 100], ['billingNm', 100], ['description', 255], ['billingEmail', 100], ['billingPhone', 30]] as const) {
    maxLen(f, name, max);
  }
  checkCart(f, amt);
  const method = methodData(f, pm, now);
  const canonical = Object.entries(f)
    .filter(([k, v]) => k !== 'timeStamp' && k !== 'merchantToken' && v.trim() !== '')
    .map(([k, v]) => [k, k === 'amt' ? amt : v])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const callBackUrl = httpUrl(f, 'callBackUrl', false);
  return {
    referenceNo: req(f, 'referenceNo'),
    payMethod: pm,
    amt,
    expiresAt: method.expiresAt,
    hash: requestHash(JSON.stringify(canonical)),
    data: {
      payMethod: pm,
      currency: IDR,
      goodsNm: req(f, 'goodsNm'),
      billingNm: req(f, 'billingNm'),
      description: opt(f, 'description') ?? '',
      notifyUrl: httpUrl(f, 'dbProcessUrl', true)!,
      ...(callBackUrl ? { callBackUrl } : {}),
      ...buyerDetails(f),
      ...method.fields,
      requestHash: '',
    },
  };
}

/** The buyer's contact fields, kept so a live payment passes them on to the upstream provider. */
function buyerDetails(f: Fields): Partial<NicepayData> {
  const out: Partial<NicepayData> = {};
  for (const k of ['billingPhone', 'billingEmail', 'billingAddr', 'billingCity', 'billingState', 'billingPostCd', 'billingCountry', 'userIP'] as const) {
    const v = opt(f, k);
    if (v !== undefined) out[k] = v.slice(0, 100);
  }
  return out;
}

/** A cart value as text: only strings and numbers count (anything else never reaches String()'s recursion). */
const scalar = (v: unknown, absent: string) => (v === undefined || v === null ? absent : typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** cartData is a JSON string; when it lists items, they must add up to amt (9023). */
function checkCart(f: Fields, amt: string): void {
  const raw = opt(f, 'cartData');
  if (raw === undefined) return;
  // A field, not the body: the body's bounds never saw inside it, so it is bounded here, before parsing.
  const tooBig = jsonBoundsProblem(raw);
  if (tooBig) throw invalid('cartData', tooBig);
  let cart: { item?: unknown };
  try {
    cart = JSON.parse(raw);
  } catch {
    throw invalid('cartData', 'must be a JSON object');
  }
  if (cart === null || typeof cart !== 'object' || !Array.isArray(cart.item) || cart.item.length === 0) return;
  // goods_amt is read both ways clients send it: the line's total, or the unit price × quantity.
  let lines = 0n;
  let units = 0n;
  for (const item of cart.item as Record<string, unknown>[]) {
    const price = canonicalAmount(scalar(item?.goods_amt, ''));
    const qty = canonicalAmount(scalar(item?.goods_quantity, '1'));
    if (price === null || qty === null) throw invalid('cartData', 'items need goods_amt and goods_quantity as whole numbers');
    lines += BigInt(price);
    units += BigInt(price) * BigInt(qty);
  }
  if (lines !== BigInt(amt) && units !== BigInt(amt)) {
    throw new KasirError('INVALID_PARAMETER', 'cartData items do not add up to amt', { field: 'cartData', details: { reason: 'cart_total' } });
  }
}

function validity(f: Fields, dtName: string, tmName: string, now: Date, defaultMs: number): { at: Date; dt: string; tm: string } {
  const dt = opt(f, dtName);
  const tm = opt(f, tmName);
  if (dt === undefined && tm === undefined) {
    const at = new Date(now.getTime() + defaultMs);
    const w = wibParts(at);
    return { at, dt: w.transDt, tm: w.transTm };
  }
  const at = parseWib(dt ?? '', tm ?? '235959');
  if (!at) throw invalid(dt !== undefined && parseWib(dt, '000000') ? tmName : dtName, 'must be a WIB date YYYYMMDD and time HHMMSS');
  if (at.getTime() <= now.getTime()) throw invalid(dtName, 'is in the past');
  return { at, dt: dt!, tm: tm ?? '235959' };
}

function methodData(f: Fields, pm: PayMethod, now: Date): { expiresAt: Date; fields: Partial<NicepayData> } {
  switch (pm) {
    case '02': {
      const bankCd = req(f, 'bankCd');
      if (!Object.hasOwn(VA_BANKS, bankCd)) throw invalid('bankCd', `must be one of ${Object.keys(VA_BANKS).join(', ')}`);
      const v = validity(f, 'vacctValidDt', 'vacctValidTm', now, DEFAULT_VALIDITY_MS);
      return { expiresAt: v.at, fields: { bankCd, vacctValidDt: v.dt, vacctValidTm: v.tm } };
    }
    case '03': {
      const mitraCd = req(f, 'mitraCd');
      if (!Object.hasOwn(CVS_PARTNERS, mitraCd)) throw invalid('mitraCd', `must be one of ${Object.keys(CVS_PARTNERS).join(', ')}`);
      const v = validity(f, 'payValidDt', 'payValidTm', now, DEFAULT_VALIDITY_MS);
      return { expiresAt: v.at, fields: { mitraCd, payValidDt: v.dt, payValidTm: v.tm } };
    }
    case '05': {
      const mitraCd = req(f, 'mitraCd');
      if (!EWALLET_PARTNERS.includes(mitraCd)) throw invalid('mitraCd', `must be one of ${EWALLET_PARTNERS.join(', ')}`);
      return { expiresAt: new Date(now.getTime() + BROWSER_VALIDITY_MS), fields: { mitraCd } };
    }
    case '08': {
      const v = validity(f, 'paymentExpDt', 'paymentExpTm', now, DEFAULT_VALIDITY_MS);
      return { expiresAt: v.at, fields: { mitraCd: opt(f, 'mitraCd') ?? QRIS_DEFAULT_PARTNER, paymentExpDt: v.dt, paymentExpTm: v.tm } };
    }
    case '01': {
      const fields: Partial<NicepayData> = {};
      for (const k of ['instmntType', 'instmntMon', 'recurrOpt'] as const) {
        const v = opt(f, k);
        if (v !== undefined) fields[k] = v;
      }
      return { expiresAt: new Date(now.getTime() + BROWSER_VALIDITY_MS), fields };
    }
  }
}

async function register(deps: NicepayDeps, auth: Authenticated, order: Order): Promise<Record<string, unknown>> {
  const { core } = deps;
  // The referenceNo may outlive its idempotency record (kept 24 h): the payment itself decides then.
  const existing = await findPayment(core.db, auth.ctx.merchant.id, { nicepayReferenceNo: order.referenceNo });
  if (existing) {
    if (nicepayData(existing).requestHash !== order.hash) throw mismatch();
    return registrationResponse(await issue(deps, auth, existing));
  }
  // The transaction's time is the one its tXid shows (txid-sequence.ts).
  const { tXid, at: now } = await deps.txids.nextTxid(auth.iMid, order.payMethod);
  const { transDt, transTm } = wibParts(now);
  const d = order.data;
  const data: NicepayData & { notifyUrl: string; notifyEvents: string[] } & Record<string, unknown> = {
    ...d,
    iMid: auth.iMid,
    transDt,
    transTm,
    requestHash: order.hash,
    notifyEvents: NOTIFY_EVENTS,
    // The sandbox's VA number, payment code and QR, for test merchants (the only ones the sandbox
    // serves). A live payment shows its upstream provider's instead (live.ts), never invented ones.
    ...(auth.ctx.merchant.mode === 'live' ? {} : sandboxBuyerFields(auth, order, tXid)),
  };
  const payment = await createPayment(core, auth.ctx, {
    profile: 'nicepay',
    amount: rupiahToMinor(order.amt),
    currency: IDR,
    paymentMethod: PAY_METHODS[order.payMethod].core,
    methodType: d.bankCd ?? d.mitraCd ?? null,
    referenceId: order.referenceNo,
    // Sandbox triggers (`sandbox:<trigger>`) are read from the description, else from goodsNm.
    description: d.description || d.goodsNm,
    expiresAt: order.expiresAt,
    nicepayTxid: tXid,
    nicepayReferenceNo: order.referenceNo,
    dialectData: data,
  });
  return registrationResponse(await issue(deps, auth, payment));
}

function sandboxBuyerFields(auth: Authenticated, order: Order, tXid: string): Partial<NicepayData> {
  const d = order.data;
  return {
    ...(d.bankCd ? { vacctNo: sandboxVacctNo(VA_BANKS[d.bankCd], tXid) } : {}),
    ...(order.payMethod === '03' ? { payNo: CVS_PARTNERS[d.mitraCd!] + tXid.slice(-12) } : {}),
    ...(order.payMethod === '08' ? { qrContent: sandboxQrContent({ tXid, iMid: auth.iMid, amt: order.amt, merchantName: d.goodsNm }) } : {}),
  };
}

/** VA, CVS and QRIS are submitted to the processor at once: the buyer pays them outside the browser. */
async function issue(deps: NicepayDeps, auth: Authenticated, p: Payment): Promise<Payment> {
  const d = nicepayData(p);
  // A re-send after a crash also finishes the submission its first attempt left unanswered.
  const issued = isPaidOffline(d.payMethod) ? await submitIfOwed(deps.core, auth.ctx, p) : p;
  // The upstream provider refused the registration: no VA, code or QR exists to answer with.
  if (isLive(issued) && issued.status === 'payment_failed') {
    throw new KasirError('PROCESSOR_DECLINED', 'The payment provider refused the registration');
  }
  return issued;
}

export function registrationResponse(p: Payment): Record<string, unknown> {
  const d = nicepayData(p);
  const checkout = (p.nextAction as { checkoutUrl?: string } | null)?.checkoutUrl ?? null;
  const method = methodFields(d);
  if (d.payMethod === '08') method.qrUrl = checkout;
  if (d.payMethod === '01') for (const k of Object.keys(method)) delete method[k];
  return { ...transactionFields(p, d, SUCCESS), ...method };
}
