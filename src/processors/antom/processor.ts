// The Processor for one Antom connector account: the core's calls as Antom API calls on the account's
// provider (client.ts signs and verifies, requests.ts builds, outcomes.ts reads the answers). Every
// call is idempotent upstream by the operation id sent as its request id, which is what lets sync
// and abandon re-send a call instead of guessing what became of it.
import type { ConnectorAccount } from '../../core/connectors/accounts.ts';
import type { Payment } from '../../core/payments/model.ts';
import { ProcessorUnavailable, type OperationOutcome, type OperationRecord, type Processor, type SyncResult } from '../../core/processors/processor.ts';
import { notifyUrlOf, type ConnectorDeps } from '../connector.ts';
import { createAntomClient, UpstreamRefused, type AntomAnswer, type AntomOp } from './client.ts';
import { antomTypeFor } from './methods.ts';
import { authorizeOutcome, cancelSync, captureSync, chargeSync, operationOutcome, redirectAction, refundSync, resentOutcome } from './outcomes.ts';
import { cancelRequest, captureRequest, paymentKey, payRequest, redirectUrlOf, refundRequest } from './requests.ts';

export const ANTOM_ABILITIES = { partialCancel: false, manualCapture: true, partialRefund: true } as const;

export function createAntomProcessor(account: ConnectorAccount, deps: ConnectorDeps): Processor {
  const client = createAntomClient(account, deps);
  const notifyUrl = () => notifyUrlOf(deps.publicUrl(), account.id);

  /** The call, with a refused connection reported as an unknown outcome (follow-ups, inquiries). */
  async function call(op: AntomOp, kind: OperationRecord['kind'], body: Record<string, unknown>): Promise<AntomAnswer> {
    try {
      return await client.call(op, kind, body);
    } catch (err) {
      if (err instanceof UpstreamRefused) throw new Error(err.message);
      throw err;
    }
  }

  /** An inquiry's answer, or null when there is none worth believing (then: still pending). */
  async function ask(op: AntomOp, kind: OperationRecord['kind'], body: Record<string, unknown>): Promise<AntomAnswer | null> {
    try {
      return await call(op, kind, body);
    } catch {
      return null;
    }
  }

  function pay(op: OperationRecord, p: Payment) {
    const paymentMethodType = antomTypeFor(p);
    // This account has no way to take the method: nothing is sent, the next route may.
    if (!paymentMethodType) throw new ProcessorUnavailable(`PAYMENT_METHOD_NOT_SUPPORTED: no Antom type for ${p.paymentMethod}`);
    // Antom's MANUAL capture mode is for cards only: a wallet would be charged at once, leaving a
    // payment Kasir holds as authorized that the provider has already captured.
    if (p.captureMethod === 'manual' && paymentMethodType !== 'CARD') throw new ProcessorUnavailable(`PAYMENT_METHOD_NOT_SUPPORTED: manual capture of ${paymentMethodType}`);
    return payRequest(op, p, { paymentMethodType, notifyUrl: notifyUrl(), redirectUrl: redirectUrlOf(p, deps.publicUrl()) });
  }

  /**
   * The charge at the provider. One still waiting for its buyer needs the buyer's page: the one
   * already recorded for this upstream payment, else the identical pay re-sent (the provider
   * answers a repeated request id with its first answer, the page included).
   */
  async function syncCharge(op: OperationRecord, p: Payment): Promise<SyncResult> {
    const inquiry = await ask('inquiryPayment', op.kind, { paymentRequestId: op.id });
    if (!inquiry) return { status: 'pending' };
    const found = chargeSync(inquiry, p);
    if (found !== 'processing') return found;
    const known = p.nextAction;
    if (known && typeof known.url === 'string' && known.upstreamPaymentId === inquiry.body.paymentId) {
      return { status: 'action', nextAction: known, processorRef: String(known.upstreamPaymentId) };
    }
    const again = await ask('pay', op.kind, pay(op, p));
    if (!again) return { status: 'pending' };
    if (again.result.resultStatus === 'S') return { status: p.captureMethod === 'manual' ? 'authorized' : 'succeeded', processorRef: String(again.body.paymentId ?? '') || undefined };
    const action = again.result.resultStatus === 'U' ? redirectAction(again) : null;
    return action ? { status: 'action', ...action } : { status: 'pending' };
  }

  /** What became of capture / void / reversal / refund `op`, asked without repeating it. */
  async function syncFollowUp(op: OperationRecord, p: Payment): Promise<SyncResult> {
    if (op.kind === 'refund') {
      const a = await ask('inquiryRefund', op.kind, { refundRequestId: op.id });
      return a ? refundSync(a) : { status: 'pending' };
    }
    let key: Record<string, string>;
    try {
      key = paymentKey(p);
    } catch {
      return { status: 'pending' }; // no upstream payment to ask about: nothing to learn yet
    }
    const a = await ask('inquiryPayment', op.kind, key);
    if (!a) return { status: 'pending' };
    return op.kind === 'capture' ? captureSync(a, op) : cancelSync(a);
  }

  async function followUp(op: OperationRecord, p: Payment): Promise<OperationOutcome> {
    switch (op.kind) {
      case 'capture':
        return operationOutcome(await call('capture', op.kind, captureRequest(op, p)), op);
      case 'refund':
        return operationOutcome(await call('refund', op.kind, refundRequest(op, p, notifyUrl())), op);
      default:
        // void, reversal, late reversal: Antom's one cancel (a paid payment is refunded in full).
        return operationOutcome(await call('cancel', op.kind, cancelRequest(p)), op);
    }
  }

  return {
    name: account.id,
    abilities: ANTOM_ABILITIES,
    async authorize(op, p) {
      // Card data never passes through a connector (live mode refuses card numbers: core/payments/routing.ts): the buyer types it
      // on the provider's page.
      const body = pay(op, p);
      let answer: AntomAnswer;
      try {
        answer = await client.call('pay', op.kind, body);
      } catch (err) {
        // Refused connection: the pay never arrived, so nothing exists upstream: next route.
        if (err instanceof UpstreamRefused) throw new ProcessorUnavailable(err.message);
        throw err;
      }
      return authorizeOutcome(answer, op, p);
    },
    capture: followUp,
    void: followUp,
    reverse: followUp,
    refund: followUp,
    sync(op, p) {
      return op.kind === 'authorize' ? syncCharge(op, p) : syncFollowUp(op, p);
    },
    async abandon(op, p) {
      // Antom keeps no tombstones: a charge it never saw cannot be barred from arriving later. Such
      // a late pay creates an upstream payment whose page no buyer is ever shown (the rolled-back
      // submission gets a new request id), so it expires there unpaid.
      if (op.kind === 'authorize') return syncCharge(op, p);
      // Follow-ups are idempotent by their request ids (a repeated cancel answers its first
      // success): re-sending settles them now, one way or the other.
      try {
        const body = op.kind === 'capture' ? captureRequest(op, p) : op.kind === 'refund' ? refundRequest(op, p, notifyUrl()) : cancelRequest(p);
        const name: AntomOp = op.kind === 'capture' ? 'capture' : op.kind === 'refund' ? 'refund' : 'cancel';
        return resentOutcome(await call(name, op.kind, body), op);
      } catch {
        return { status: 'pending' };
      }
    },
  };
}
