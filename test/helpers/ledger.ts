// Reading the ledger in tests: a merchant's balances by bucket, and a payment's journals.
import type { Harness } from './harness.ts';
import { merchantBalances, paymentJournals } from '../../src/core/ledger/journal.ts';

export async function balances(h: Harness, merchantId: string, currency: string): Promise<{ pending: bigint; available: bigint; reserved: bigint }> {
  const out = { pending: 0n, available: 0n, reserved: 0n };
  for (const b of await merchantBalances(h.deps.core.db, merchantId)) {
    if (b.currency === currency) out[b.account.split(':').pop() as keyof typeof out] = b.balance;
  }
  return out;
}

export async function journalKinds(h: Harness, paymentId: string): Promise<string[]> {
  return (await paymentJournals(h.deps.core.db, paymentId)).map((j) => j.kind);
}
