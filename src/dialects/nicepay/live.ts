// Live payments (sent to a connector account, not the sandbox): the VA number, payment code, QR and
// payment page the buyer needs are the upstream provider's, carried in the processor's next action
// (processors/sandbox/processor.ts documents the shapes). The sandbox's own numbers are derived from
// the tXid at registration (routes/registration.ts) and only ever made for test merchants.
import type { Payment } from '../../core/payments/model.ts';
import type { NicepayData } from './render.ts';
import { wibParts } from './txid.ts';

/** Test merchants reach only the sandbox; every other processor is an upstream connector account. */
export const isLive = (p: Pick<Payment, 'processor'>): boolean => p.processor !== 'sandbox';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** NICEPAY's WIB date and time of an ISO instant in the next action, if it holds one. */
function wib(v: unknown): { dt: string; tm: string } | undefined {
  const iso = text(v);
  const at = iso ? new Date(iso) : null;
  if (!at || Number.isNaN(at.getTime())) return undefined;
  const w = wibParts(at);
  return { dt: w.transDt, tm: w.transTm };
}

/** Drops the fields the next action did not have, so they never hide what registration stored. */
function present(fields: Partial<NicepayData>): Partial<NicepayData> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The buyer-facing fields of a live payment that awaits its buyer. Once paid (or canceled) the core
 * clears the next action, and the stored registration data is all there is.
 */
export function liveBuyerFields(p: Payment): Partial<NicepayData> {
  const a = p.nextAction;
  if (!isLive(p) || !a) return {};
  switch (a.type) {
    case 'display_bank_transfer_instructions': {
      const until = wib(a.validUntil);
      return present({ vacctNo: text(a.accountNumber), vacctValidDt: until?.dt, vacctValidTm: until?.tm });
    }
    case 'display_payment_code': {
      const until = wib(a.validUntil);
      return present({ payNo: text(a.paymentCode), payValidDt: until?.dt, payValidTm: until?.tm });
    }
    case 'display_qr_code': {
      const until = wib(a.expiresAt);
      return present({ qrContent: text(a.qrContent), qrUrl: text(a.checkoutUrl), paymentExpDt: until?.dt, paymentExpTm: until?.tm });
    }
    default:
      return {};
  }
}

/** The upstream's payment page a live card or e-wallet buyer is sent to, if the payment awaits one. */
export function upstreamPage(p: Payment): string | null {
  const a = p.nextAction;
  return isLive(p) && a?.type === 'redirect_to_url' ? (text(a.url) ?? null) : null;
}
