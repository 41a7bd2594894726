// The probe behind the database ceilings: one real cancel over HTTP (native, or a dialect's signed
// request) with Kasir's `Db` wrapped, recording every statement it issued, in which transaction,
// and what it returned. The ceilings replay the cancel's own statements (pgbench.ts, ceilings.ts)
// with `bindings` saying where each parameter must come from so that every replay acts on its own
// payment and mints its own ids, as the cancel did.
import { createHmac } from 'node:crypto';
import type { Db, Queryable } from '../src/db/db.ts';
import { isUuid } from '../src/core/ids.ts';
import { CANCEL_BODY, type Kasir } from './kasir.ts';

export interface Statement {
  sql: string;
  params: unknown[];
  /** The `db.tx` it ran in (numbered in the order they began), or null: on its own, autocommit. */
  tx: number | null;
  /** What it returned when that was exactly one row (a later statement may use its values). */
  row: Record<string, unknown> | null;
}

export interface Capture {
  /** The cancel's own statements, in order: Kasir's tables only. */
  statements: Statement[];
  /** Statements the replays leave out, in order (see LEFT_OUT). */
  leftOut: LeftOut[];
  /** Every statement the request issued. */
  total: number;
  paymentId: string;
  /** What the request named the payment by: a replay names its own payment by the same column. */
  ref: PaymentRef;
  /** The payment's column values before the cancel: what every clone holds too (merchant id, …). */
  held: Set<string>;
}

/**
 * Statements that are not the cancel's SQL, by the table they act on (the first one named). The
 * sandbox keeps its books in Kasir's database only because it is a sandbox.
 */
export const LEFT_OUT_WHY = {
  processor: "the sandbox processor's own books: it stands for the remote processor, whose work is no part of Kasir's SQL",
  request: "the request's guards (replay guard, rate limit, credential cache): the no-op ceiling measures them",
  numbering:
    "NICEPAY's draw of tXid numbers: one statement hands out a block to every cancel of the same second (src/dialects/nicepay/txid-sequence.ts), so whether the probe's cancel drew is chance",
};
const LEFT_OUT: { table: RegExp; who: keyof typeof LEFT_OUT_WHY }[] = [
  { table: /^sandbox_/, who: 'processor' },
  { table: /^(native_replay_guard|rate_windows|credentials|merchants)$/, who: 'request' },
];
/** Statements left out by what they do rather than the table they act on. */
const LEFT_OUT_SQL: { sql: RegExp; table: string; who: keyof typeof LEFT_OUT_WHY }[] = [
  { sql: /\bnextval\('nicepay_txid_seq'\)/, table: 'nicepay_txid_seq', who: 'numbering' },
];

/** The column a request finds its payment by, and the probe's value of it. */
export interface PaymentRef {
  column: 'id' | 'antom_payment_id' | 'nicepay_txid';
  value: string;
}

export interface LeftOut {
  /** The statement's table. */
  table: string;
  who: keyof typeof LEFT_OUT_WHY;
}

function leftOut(sql: string): LeftOut | null {
  const bySql = LEFT_OUT_SQL.find((r) => r.sql.test(sql));
  if (bySql) return { table: bySql.table, who: bySql.who };
  const table = /\b(?:FROM|INTO|UPDATE)\s+(\w+)/i.exec(sql)?.[1] ?? '';
  const rule = LEFT_OUT.find((r) => r.table.test(table));
  return rule ? { table, who: rule.who } : null;
}

/** Sends one signed native cancel over HTTP and returns what it issued. */
export function captureCancelSql(k: Kasir, paymentId: string): Promise<Capture> {
  return captureSql(k, paymentId, { column: 'id', value: paymentId }, async () => {
    const ts = String(k.stamps(1));
    const res = await fetch(`${k.origin}/api/v1/payments/${paymentId}/cancel`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': k.apiKey,
        'x-timestamp': ts,
        'x-signature': 'sha256=' + createHmac('sha256', k.apiSecret).update(`${ts}.${CANCEL_BODY}`).digest('hex'),
      },
      body: CANCEL_BODY,
    });
    if (res.status !== 200) throw new Error(`probe cancel answered ${res.status}: ${await res.text()}`);
  });
}

/**
 * Runs `send` (one cancel of payment `paymentId`, named in its request by `ref`) with `db.query` and
 * `db.tx` both recorded, and returns what it issued. `send` throws when the cancel did not succeed.
 */
export async function captureSql(k: Kasir, paymentId: string, ref: PaymentRef, send: () => Promise<void>): Promise<Capture> {
  const before = await k.db.query('SELECT * FROM payments WHERE id = $1', [paymentId]);
  const held = new Set(Object.values(before.rows[0] ?? {}).filter((v) => v !== null).map(String));
  const seen: Statement[] = [];
  const record = (q: Queryable, tx: number | null): Queryable['query'] =>
    (async (sql: string, params?: readonly unknown[]) => {
      const s: Statement = { sql, params: [...(params ?? [])], tx, row: null };
      seen.push(s);
      const res = await q.query(sql, params);
      if (res.rows.length === 1) s.row = res.rows[0] as Record<string, unknown>;
      return res;
    }) as Queryable['query'];
  const { query, tx } = k.db;
  let txs = 0;
  k.db.query = record({ query: query.bind(k.db) }, null);
  k.db.tx = ((fn: (q: Queryable) => Promise<unknown>) => tx.call(k.db, (q) => fn({ query: record(q, txs++) }))) as Db['tx'];
  try {
    await send();
  } finally {
    k.db.query = query;
    k.db.tx = tx;
  }
  const out = seen.map((s) => leftOut(s.sql));
  return {
    statements: seen.filter((_, i) => !out[i]),
    leftOut: out.filter((o) => o !== null),
    total: seen.length,
    paymentId,
    ref,
    held,
  };
}

/** The captured statements, one line each, `[tx n]` before those that ran in a transaction. */
export function sqlLines(c: Capture): string[] {
  return transactions(c.statements).flatMap((t) =>
    t.statements.map((s) => (t.tx === null ? '' : `[tx ${t.tx}] `) + s.sql.replace(/--[^\n]*\n/g, ' ').replace(/\s+/g, ' ')),
  );
}

/** The statements a capture leaves out, one `table (who)` each. */
export function leftOutLines(c: Capture): string[] {
  return c.leftOut.map((o) => `${o.table} (${o.who})`);
}

/** Consecutive statements of one transaction together; an autocommit statement alone. */
export function transactions(statements: Statement[]): { tx: number | null; from: number; statements: Statement[] }[] {
  const out: { tx: number | null; from: number; statements: Statement[] }[] = [];
  statements.forEach((s, i) => {
    const last = out.at(-1);
    if (last && s.tx !== null && last.tx === s.tx) last.statements.push(s);
    else out.push({ tx: s.tx, from: i, statements: [s] });
  });
  return out;
}

/** Where a replayed parameter comes from. */
export type Source =
  /** The payment this replay cancels, by its id or by the column the request named it by (for pgbench: the next one of its chain). */
  | { kind: 'payment'; column: PaymentRef['column'] }
  /** A value an earlier statement returned (a row id made by the database), taken from its replay. */
  | { kind: 'row'; statement: number; column: string }
  /** A uuid the cancel minted (an operation id): a new one per replay, or two replays would collide. */
  | { kind: 'fresh'; index: number }
  /** The probe's own value, the same for every clone (merchant id, amounts, statuses, JSON payloads). */
  | { kind: 'same'; value: unknown };

/**
 * Decides, for every parameter of `statements`, where a replay takes it from. In this order: the
 * payment id, or the value the request named it by; a value an earlier statement returned; a uuid
 * the payment did not hold before the cancel, so the cancel made it; anything else as captured.
 * Values inside JSON parameters stay as captured (an operation id in pending_data, say): same
 * bytes, and no constraint reads them.
 */
export function bindings(c: Pick<Capture, 'paymentId' | 'ref' | 'held'>, statements: Statement[]): { sources: Source[][]; fresh: number } {
  const minted = new Map<string, number>();
  const sources = statements.map((s, k) =>
    s.params.map((v): Source => {
      if (v === c.paymentId) return { kind: 'payment', column: 'id' };
      if (v === c.ref.value) return { kind: 'payment', column: c.ref.column };
      if (typeof v !== 'string' || !isUuid(v) || c.held.has(v)) return { kind: 'same', value: v };
      for (let j = k - 1; j >= 0; j--) {
        const column = Object.entries(statements[j].row ?? {}).find(([, r]) => r === v)?.[0];
        if (column) return { kind: 'row', statement: j, column };
      }
      if (!minted.has(v)) minted.set(v, minted.size);
      return { kind: 'fresh', index: minted.get(v)! };
    }),
  );
  return { sources, fresh: minted.size };
}
