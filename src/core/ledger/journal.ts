// Posting journals. A journal's entries must sum to zero per currency (checked before anything is
// written); every debit of a merchant account is a guarded UPDATE (`balance + amount >= 0`) in the
// caller's transaction, so a balance that would go negative refuses the whole change with
// MERCHANT_BALANCE_NOT_ENOUGH and nothing commits.
import type { Queryable } from '../../db/db.ts';
import { KasirError } from '../errors.ts';
import { isExternal } from './accounts.ts';

export interface Entry {
  account: string;
  amount: bigint;
}

export interface JournalInput {
  merchantId: string;
  paymentId: string | null;
  kind: string;
  currency: string;
  at: Date;
  memo?: string;
  entries: Entry[];
}

export async function postJournal(q: Queryable, j: JournalInput): Promise<string> {
  const entries = j.entries.filter((e) => e.amount !== 0n);
  const sum = entries.reduce((s, e) => s + e.amount, 0n);
  if (sum !== 0n) throw new Error(`journal ${j.kind} does not balance: ${sum}`);
  // Same lock order for every journal (sorted accounts): concurrent postings cannot deadlock.
  const ordered = [...entries].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  for (const e of ordered) await applyToBalance(q, e, j.currency);
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO journals (merchant_id, payment_id, kind, currency, memo, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [j.merchantId, j.paymentId, j.kind, j.currency, j.memo ?? null, j.at],
  );
  const journalId = String(rows[0].id);
  for (const e of ordered) {
    await q.query('INSERT INTO ledger_entries (journal_id, account, currency, amount) VALUES ($1, $2, $3, $4)', [journalId, e.account, j.currency, e.amount]);
  }
  return journalId;
}

async function applyToBalance(q: Queryable, e: Entry, currency: string): Promise<void> {
  if (e.amount > 0n || isExternal(e.account)) {
    await q.query(
      `INSERT INTO balances (account, currency, balance) VALUES ($1, $2, $3)
       ON CONFLICT (account, currency) DO UPDATE SET balance = balances.balance + EXCLUDED.balance`,
      [e.account, currency, e.amount],
    );
    return;
  }
  const res = await q.query('UPDATE balances SET balance = balance + $3 WHERE account = $1 AND currency = $2 AND balance + $3 >= 0', [
    e.account, currency, e.amount,
  ]);
  if (res.rowCount === 0) {
    throw new KasirError('MERCHANT_BALANCE_NOT_ENOUGH', 'The merchant balance is insufficient', { details: { account: e.account.split(':').pop() } });
  }
}

export interface Balance {
  account: string;
  currency: string;
  balance: bigint;
}

export async function merchantBalances(q: Queryable, merchantId: string): Promise<Balance[]> {
  const { rows } = await q.query<{ account: string; currency: string; balance: string }>(
    'SELECT account, currency, balance FROM balances WHERE account LIKE $1 ORDER BY currency, account',
    [`merchant:${merchantId}:%`],
  );
  return rows.map((r) => ({ account: r.account, currency: r.currency, balance: BigInt(r.balance) }));
}

export interface JournalView {
  id: string;
  kind: string;
  currency: string;
  memo: string | null;
  at: Date;
  entries: Entry[];
}

export async function paymentJournals(q: Queryable, paymentId: string): Promise<JournalView[]> {
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT j.id, j.kind, j.currency, j.memo, j.at, e.account, e.amount
       FROM journals j JOIN ledger_entries e ON e.journal_id = j.id
      WHERE j.payment_id = $1 ORDER BY j.id, e.id`,
    [paymentId],
  );
  const byId = new Map<string, JournalView>();
  for (const r of rows) {
    const id = String(r.id);
    if (!byId.has(id)) byId.set(id, { id, kind: r.kind as string, currency: r.currency as string, memo: (r.memo as string) ?? null, at: new Date(r.at as string), entries: [] });
    byId.get(id)!.entries.push({ account: r.account as string, amount: BigInt(r.amount as string) });
  }
  return [...byId.values()];
}
