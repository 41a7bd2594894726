// The sandbox processor: deterministic, in-process, driven by the triggers in sandbox-triggers.ts.
// It keeps the one piece of state a real processor would (how often a triggered call was tried) in
// the database, so "timed out once, then succeeds" holds across restarts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../db/db.ts';
import { token } from '../ids.ts';
import type { Payment } from '../payments/model.ts';
import { ProcessorTimeout, type CardData, type ConfirmOutcome, type OperationOutcome, type Processor, type ProcessorOperation } from './processor.ts';
import { cardBehaviour } from './sandbox-triggers.ts';

export interface SimulatorOptions {
  /** Simulated network latency per call, to make benchmarks and race tests realistic. */
  latencyMs?: number;
  /** Public base URL for hosted checkout pages (redirect next actions). */
  publicUrl: string;
}

export function createSimulator(db: Db, opts: SimulatorOptions): Processor {
  const wait = () => (opts.latencyMs ? sleep(opts.latencyMs) : Promise.resolve());

  /** Counts attempts of a triggered operation; the first one "times out" after taking effect. */
  async function timesOutNow(p: Payment, op: ProcessorOperation): Promise<boolean> {
    if (p.sandboxTrigger !== `${op}_timeout`) return false;
    const { rows } = await db.query<{ attempts: number }>(
      `INSERT INTO sandbox_processor_calls (payment_id, operation, attempts) VALUES ($1, $2, 1)
       ON CONFLICT (payment_id, operation) DO UPDATE SET attempts = sandbox_processor_calls.attempts + 1
       RETURNING attempts`,
      [p.id, op],
    );
    return Number(rows[0].attempts) === 1;
  }

  function actionFor(p: Payment, ref: string): Record<string, unknown> {
    const checkout = `${opts.publicUrl}/sandbox/checkout/${p.id}`;
    switch (p.paymentMethod) {
      case 'promptpay':
      case 'qris':
        return { type: 'display_qr_code', qrContent: `kasir-sandbox://pay/${p.id}`, checkoutUrl: checkout, expiresAt: p.expiresAt?.toISOString() ?? null };
      case 'bank_transfer':
      case 'va':
        return { type: 'display_bank_transfer_instructions', accountNumber: ref.replace(/\D/g, '').slice(-10).padStart(10, '8'), checkoutUrl: checkout };
      case 'cvs':
        return { type: 'display_payment_code', paymentCode: ref.replace(/\D/g, '').slice(-12).padStart(12, '0'), checkoutUrl: checkout };
      default:
        return { type: 'redirect_to_url', url: checkout };
    }
  }

  return {
    async confirm(p: Payment, card: CardData | undefined): Promise<ConfirmOutcome> {
      await wait();
      const processorRef = token('sim_', 12);
      if (await timesOutNow(p, 'confirm')) throw new ProcessorTimeout('confirm');
      if (p.paymentMethod !== 'card') return { kind: 'action', processorRef, nextAction: actionFor(p, processorRef) };
      switch (cardBehaviour(card?.number)) {
        case 'declined':
          return { kind: 'failed', processorRef, reason: 'card_declined' };
        case 'requires_3ds':
          return { kind: 'action', processorRef, nextAction: { type: 'redirect_to_url', url: `${opts.publicUrl}/sandbox/checkout/${p.id}`, reason: '3ds' } };
        case 'times_out':
          throw new ProcessorTimeout('confirm');
        default:
          return p.captureMethod === 'manual' ? { kind: 'authorized', processorRef } : { kind: 'succeeded', processorRef };
      }
    },
    async capture(p) {
      await wait();
      if (await timesOutNow(p, 'capture')) throw new ProcessorTimeout('capture');
      return { ok: true };
    },
    async cancel(p, kind): Promise<OperationOutcome> {
      await wait();
      if (await timesOutNow(p, 'cancel')) throw new ProcessorTimeout('cancel');
      if (p.sandboxTrigger === 'cancel_system_error') return { ok: false, code: 'INTERNAL', message: 'The processor reported a system error' };
      if (kind === 'reversal' && p.sandboxTrigger === 'cancel_payer_not_found') {
        return { ok: false, code: 'PAYER_NOT_FOUND', message: 'The user does not exist on the payment method side' };
      }
      if (kind === 'reversal' && p.sandboxTrigger === 'cancel_payer_abnormal') {
        return { ok: false, code: 'PAYER_ABNORMAL', message: 'The user status is abnormal on the payment method side' };
      }
      return { ok: true };
    },
    async refund(p) {
      await wait();
      if (await timesOutNow(p, 'refund')) throw new ProcessorTimeout('refund');
      if (p.sandboxTrigger === 'refund_declined') return { ok: false, code: 'PROCESSOR_DECLINED', message: 'The processor declined the refund' };
      return { ok: true };
    },
    async query(p, op) {
      // Every simulated call that timed out did take effect at the processor.
      const { rows } = await db.query('SELECT 1 FROM sandbox_processor_calls WHERE payment_id = $1 AND operation = $2', [p.id, op]);
      return rows.length > 0 || p.sandboxTrigger !== `${op}_timeout` ? 'done' : 'not_done';
    },
  };
}
