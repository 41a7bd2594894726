// One NICEPAY account as a Processor (core/processors/processor.ts). A charge is a registration whose
// referenceNo is the operation id; voids, reversals and refunds are all NICEPAY cancels of its tXid;
// sync is an inquiry. NICEPAY has no capture (abilities.manualCapture false keeps manual captures
// away) and no idempotency key on cancel, so a cancel is never sent again before an inquiry shows
// it did not happen.
import type { ConnectorAccount } from '../../core/connectors/accounts.ts';
import type { Payment } from '../../core/payments/model.ts';
import { listOperations } from '../../core/processors/operations.ts';
import {
  ProcessorUnavailable, type OperationKind, type OperationOutcome, type OperationRecord, type Processor, type SyncResult,
} from '../../core/processors/processor.ts';
import { rupiahToMinor } from '../../dialects/nicepay/fields.ts';
import { isPayMethod, type PayMethod } from '../../dialects/nicepay/methods.ts';
import { canonicalAmount } from '../../dialects/nicepay/transport.ts';
import { parseTxid } from '../../dialects/nicepay/txid.ts';
import { notifyUrlOf, type ConnectorDeps } from '../connector.ts';
import { callNicepay, type Answer, type Endpoint } from './client.ts';
import { cancelOutcome, chargeState, describe, NOT_FOUND, registrationOutcome, SUCCESS } from './outcomes.ts';
import { payMethodFor } from './partners.ts';
import { cancelBody, inquiryBody, paymentUrl, registrationBody, rupiah, type Credentials } from './requests.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export function createNicepayProcessor(account: ConnectorAccount, deps: ConnectorDeps): Processor {
  const c: Credentials = { iMid: account.settings.iMid, merchantKey: account.secret, baseUrl: account.baseUrl };
  const call = (endpoint: Endpoint, body: Record<string, string>, kind: OperationKind, unavailableIfNotSent = false) =>
    callNicepay(c.baseUrl, endpoint, body, { timeoutMs: deps.timeoutMs, kind, unavailableIfNotSent });

  /** Where the upstream's payment page sends the buyer back: the merchant's own return URL if it gave one. */
  const callBackOf = (p: Payment) => str(p.dialectData.callBackUrl) ?? str(p.dialectData.redirectUrl) ?? deps.publicUrl();
  const pageUrl = (charge: OperationRecord, p: Payment) => (tXid: string) => paymentUrl(c, charge, tXid, callBackOf(p));
  /** A tXid of this account (never one a payment got elsewhere). */
  const ownTxid = (ref: string | null | undefined) => (ref && parseTxid(ref)?.iMid === c.iMid ? ref : null);

  /** The charge a follow-up acts on: the payment's registration at this account. */
  async function chargeOf(p: Payment): Promise<OperationRecord | null> {
    const ops = await listOperations(deps.db, p.id);
    return ops.findLast((o) => o.kind === 'authorize' && o.processor === account.id && o.status !== 'rolled_back') ?? null;
  }

  /** The inquiry's answer about `charge`, null when NICEPAY has no such transaction. */
  async function inquire(charge: OperationRecord, tXid: string | null, kind: OperationKind): Promise<Answer | null> {
    const a = await call('inquiry', inquiryBody(c, charge, tXid, deps.clock.now()), kind);
    // A tXid that is not this charge's (it names another referenceNo) finds nothing: ask by referenceNo.
    if (a.resultCd === NOT_FOUND && tXid) return inquire(charge, null, kind);
    if (a.resultCd === NOT_FOUND) return null;
    if (a.resultCd !== SUCCESS) throw new Error(`NICEPAY inquiry refused: ${describe(a)}`);
    return a;
  }

  async function syncCharge(op: OperationRecord, p: Payment): Promise<SyncResult> {
    let pm: PayMethod;
    try {
      pm = payMethodFor(p);
    } catch (err) {
      if (err instanceof ProcessorUnavailable) return { status: 'not_found' }; // could never have been sent
      throw err;
    }
    const a = await inquire(op, ownTxid(p.processorRef) ?? ownTxid(str(op.result?.processorRef)), op.kind);
    return a ? chargeState(a, pm, pageUrl(op, p)) : { status: 'not_found' };
  }

  /**
   * What was given back of the charge before `op`: the payment's totals as claimed (its own amount is
   * recorded only after this answer, and the operations on one payment run one at a time). Late
   * funds (paid upstream after Kasir's expiry) are a charge nothing was given back of yet, whatever
   * the payment's own totals say about the payment they arrived after.
   */
  const givenBack = (op: OperationRecord, p: Payment) => (op.kind === 'late_reversal' ? 0n : p.amountCanceled + p.amountRefunded);

  /** A cancel happened when the amount NICEPAY reports canceled covers it on top of what went back before it. */
  async function syncCancel(op: OperationRecord, p: Payment): Promise<SyncResult> {
    const charge = await chargeOf(p);
    const a = charge ? await inquire(charge, ownTxid(p.processorRef), op.kind) : null;
    if (!a) return { status: 'not_found' };
    const canceled = canonicalAmount(a.cancelAmt ?? '0');
    if (canceled === null) throw new Error(`NICEPAY inquiry answered cancelAmt ${a.cancelAmt}`);
    return rupiahToMinor(canceled) >= givenBack(op, p) + op.amount ? { status: 'succeeded' } : { status: 'not_found' };
  }

  async function cancel(op: OperationRecord, p: Payment): Promise<OperationOutcome> {
    const amt = rupiah(op.amount);
    if (amt === null) return { ok: false, code: 'CONNECTOR_UNSUPPORTED', message: 'NICEPAY cancels whole Rupiah amounts only; nothing was changed' };
    let tXid = ownTxid(p.processorRef);
    if (!tXid) {
      // The charge's answer was never recorded (a cancel covering a registration whose outcome is
      // unknown): its tXid comes from the inquiry.
      const charge = await chargeOf(p);
      tXid = (charge && (await inquire(charge, null, op.kind))?.tXid) || null;
      // No transaction upstream: nothing to void there. Should the registration still arrive, its VA,
      // code, QR or page reaches no buyer (only Kasir would show them) and it lapses unpaid.
      if (!tXid && op.kind === 'void') return { ok: true };
      if (!tXid) return { ok: false, code: 'INVALID_STATE', message: 'NICEPAY has no transaction for this payment' };
    }
    const fromTxid = parseTxid(tXid)?.payMethod;
    const pm = fromTxid && isPayMethod(fromTxid) ? fromTxid : payMethodFor(p);
    // cancelType 1 only for the whole amount with nothing given back before: NICEPAY refuses a full
    // cancel after partial ones (9320), so the rest of a partly canceled payment is a partial cancel.
    const full = givenBack(op, p) === 0n && op.amount === p.amount;
    const a = await call('cancel', cancelBody(c, tXid, pm, full, amt, deps.clock.now()), op.kind);
    return cancelOutcome(a, full);
  }

  const sync = (op: OperationRecord, p: Payment): Promise<SyncResult> => {
    if (op.kind === 'authorize') return syncCharge(op, p);
    if (op.kind === 'capture') return Promise.reject(new Error('NICEPAY has no capture to sync'));
    return syncCancel(op, p);
  };

  return {
    name: account.id,
    abilities: { partialCancel: true, manualCapture: false, partialRefund: true },
    async authorize(op, p) {
      // Another currency, a fraction of a Rupiah, a method NICEPAY lacks: ProcessorUnavailable
      // before anything is sent, so the submission may go to the merchant's next route.
      const pm = payMethodFor(p);
      const body = registrationBody(c, op, p, pm, notifyUrlOf(deps.publicUrl(), account.id));
      return registrationOutcome(await call('registration', body, 'authorize', true), pm, op.id, pageUrl(op, p));
    },
    async capture() {
      return { ok: false, code: 'CONNECTOR_UNSUPPORTED', message: 'NICEPAY has no separate capture' };
    },
    void: cancel,
    reverse: cancel,
    refund: cancel,
    sync,
    /**
     * NICEPAY cannot be told to refuse a registration or cancel that is still on its way, so this is
     * the inquiry alone. For a registration that is enough: a late copy (or an identical re-send)
     * gets the same tXid for the same referenceNo and never charges twice, and what it issues (VA,
     * payment code, QR, page) reaches no buyer once Kasir has rolled it back, so it lapses unpaid.
     * A cancel found not to have happened is never re-sent blindly from here either: a partial one
     * sent twice would give back twice.
     */
    abandon: sync,
  };
}
