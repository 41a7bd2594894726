// The Antom and NICEPAY cancel rows: the same kind of payment as the native `requires_confirmation`
// row (never submitted to a processor: the cancel is one guarded write), made through the core the
// way each dialect makes it, canceled over HTTP by a real signed request of that dialect, and
// measured against a no-op route behind the same authentication and signing (dialect-noops.ts).
// Every answer must be a success in the dialect's terms (wire.ts) and every payment `canceled`.
// On PostgreSQL each row also gets its own SQL ceiling: one cancel of the dialect captured
// (capture.ts) and replayed by pgbench (bench/<dialect>_cancel.pgbench), its payment found by the
// column the dialect's request names it by.
import { randomBytes } from 'node:crypto';
import { DEFAULT_EXPIRY_MS, NOTIFY_EVENTS as ANTOM_NOTIFY_EVENTS } from '../src/dialects/antom/routes/pay.ts';
import { NOTIFY_EVENTS as NICEPAY_NOTIFY_EVENTS } from '../src/dialects/nicepay/routes/registration.ts';
import { formatTxid, wibParts } from '../src/dialects/nicepay/txid.ts';
import { createPayment, type CreateInput } from '../src/core/payments/create.ts';
import type { Dialect } from '../src/core/payments/model.ts';
import { ANTOM_NOOP_PATH, NICEPAY_NOOP_PATH } from './dialect-noops.ts';
import { createMany, type Kasir } from './kasir.ts';
import { httpLoad, type Measurement } from './load.ts';
import { profiled } from './profile.ts';
import type { Wire } from './wire.ts';
import { captureSql, leftOutLines, sqlLines, type Capture, type PaymentRef } from './capture.ts';
import type { PgbenchCeiling } from './report.ts';

/** One row: a dialect's cancel and its own no-op ceiling (latest.json, like a native scenario). */
export interface DialectResult {
  scenario: string;
  dialect: Dialect;
  request: string;
  /** What the ceiling is. */
  ceiling: string;
  cancel: Measurement;
  noop: Measurement;
  /** pgbench replaying this dialect's own cancel SQL (PostgreSQL), and that SQL, one line a statement. */
  pgbench?: PgbenchCeiling | null;
  sql?: string[];
  /** The request's statements that SQL leaves out: table (who), as for the native rows. */
  leftOut?: string[];
}

/** Runs pgbench on a capture's statements against clones of `template` (run.ts pgbenchCeiling). */
export type SqlCeiling = (name: string, title: string, capture: Capture, template: string, rate: number) => Promise<PgbenchCeiling>;

export interface DialectOptions {
  concurrency: number;
  warmup: number;
  maxSeconds: number;
  /** BENCH_PROFILE: the profile file's prefix (database), or null. */
  profile: string | null;
  /** Where there is pgbench (PostgreSQL): each row's own SQL ceiling. */
  sqlCeiling: SqlCeiling | null;
}

interface Made {
  /** Kasir's payment id, to count the canceled ones. */
  id: string;
  /** What the dialect's request names it by. */
  ref: string;
}

interface Row {
  dialect: 'antom' | 'nicepay';
  cancelPath: string;
  noopPath: string;
  ceiling: string;
  /** The column the cancel request finds the payment by (`Made.ref` is its value). */
  refColumn: PaymentRef['column'];
  make(k: Kasir): Promise<Made>;
  wire(k: Kasir, path: string, refs: string[]): Wire;
}

const DAY = 86_400_000;

const ROWS: Row[] = [
  {
    dialect: 'antom',
    cancelPath: '/ams/api/v1/payments/cancel',
    noopPath: ANTOM_NOOP_PATH,
    ceiling: 'no-op route + Antom RSA verify and signed answer',
    refColumn: 'antom_payment_id',
    // What pay makes of a CASHIER_PAYMENT by card without card data: it waits for the buyer.
    async make(k) {
      const requestId = `pay_${randomBytes(9).toString('hex')}`;
      const p = await create(k, 'antom', {
        profile: 'antom',
        amount: 1000n,
        currency: 'USD',
        paymentMethod: 'card',
        methodType: 'CARD',
        referenceId: `order_${requestId}`,
        description: 'bench',
        expiresAt: new Date(k.deps.core.clock.now().getTime() + DEFAULT_EXPIRY_MS),
        antomPaymentRequestId: requestId,
        dialectData: { notifyEvents: ANTOM_NOTIFY_EVENTS, redirectUrl: 'https://merchant.example/return', requestHash: '' },
      });
      return { id: p.id, ref: p.antomPaymentId! };
    },
    wire: (k, path, refs) => ({
      dialect: 'antom',
      path,
      bodies: refs.map((paymentId) => JSON.stringify({ paymentId })),
      clientId: k.antom.clientId,
      privateKey: k.antom.merchantPrivateKeyPkcs8!,
      gatewayPublicKey: k.antom.gatewayPublicKey,
      tsStart: k.stamps(refs.length),
    }),
  },
  {
    dialect: 'nicepay',
    cancelPath: '/nicepay/direct/v2/cancel',
    noopPath: NICEPAY_NOOP_PATH,
    ceiling: 'no-op route + NICEPAY merchantToken check',
    refColumn: 'nicepay_txid',
    // What registration makes of a card (payMethod 01): it waits for the buyer's browser payment.
    // Its dbProcessUrl hears about the cancel (an outbox row); loopback, and nothing delivers here.
    async make(k) {
      const now = k.deps.core.clock.now();
      const { rows } = await k.db.query<{ n: string }>(`SELECT nextval('nicepay_txid_seq') AS n`);
      const tXid = formatTxid(k.nicepay.iMid, '01', now, Number(rows[0].n));
      const referenceNo = `BENCH${randomBytes(6).toString('hex').toUpperCase()}`;
      const p = await create(k, 'nicepay', {
        profile: 'nicepay',
        amount: 1_000_000n, // 10000 Rupiah
        currency: 'IDR',
        paymentMethod: 'card',
        referenceId: referenceNo,
        description: 'bench',
        expiresAt: new Date(now.getTime() + DAY),
        nicepayTxid: tXid,
        nicepayReferenceNo: referenceNo,
        dialectData: {
          iMid: k.nicepay.iMid, payMethod: '01', ...wibParts(now), currency: 'IDR', goodsNm: 'bench', billingNm: 'Bench', description: 'bench',
          requestHash: '', notifyUrl: 'http://127.0.0.1:9/notify', notifyEvents: NICEPAY_NOTIFY_EVENTS,
        },
      });
      return { id: p.id, ref: tXid };
    },
    wire: (k, path, refs) => ({ dialect: 'nicepay', path, tXids: refs, iMid: k.nicepay.iMid, merchantKey: k.nicepay.merchantKey, payMethod: '01', amt: '10000' }),
  },
];

const create = (k: Kasir, dialect: Dialect, input: CreateInput) => createPayment(k.deps.core, { ...k.ctx, dialect }, input);

export async function benchDialects(k: Kasir, n: number, o: DialectOptions): Promise<DialectResult[]> {
  const results: DialectResult[] = [];
  for (const row of ROWS) {
    // Two more than the load needs: the probe whose SQL is captured, and the template it is cloned from.
    const made = await createMany(o.warmup + n + 2, () => row.make(k));
    const [probe, template] = made.slice(o.warmup + n);
    await k.db.query('ANALYZE payments');
    const refs = made.map((m) => m.ref);
    const run = (path: string, part: string[], concurrency = o.concurrency) =>
      httpLoad({ ...row.wire(k, path, part), origin: k.origin, concurrency, deadline: Date.now() + o.maxSeconds * 1000 });
    const warm = refs.slice(0, o.warmup);
    const measured = refs.slice(o.warmup, o.warmup + n);
    // The no-op gets the very requests the cancel gets (same bodies, signed the same way); it
    // changes nothing, so the same payments are then canceled.
    await run(row.noopPath, warm);
    const noop = await run(row.noopPath, measured);
    await run(row.cancelPath, warm); // warm-up: JIT, credential cache, prepared statements
    const cancel = await profiled(o.profile && `${o.profile}-${row.dialect}-cancel`, () => run(row.cancelPath, measured));
    const canceled = await countCanceled(k, made.slice(o.warmup, o.warmup + n).map((m) => m.id));
    if (canceled !== cancel.ok) cancel.failures = [...(cancel.failures ?? []), `${cancel.ok} answered success but ${canceled} are canceled`];
    const result: DialectResult = { scenario: `${row.dialect} cancel requires_confirmation`, dialect: row.dialect, request: `POST ${row.cancelPath}`, ceiling: row.ceiling, cancel, noop };
    if (o.sqlCeiling) {
      const capture = await captureSql(k, probe.id, { column: row.refColumn, value: probe.ref }, async () => {
        const sent = await run(row.cancelPath, [probe.ref], 1);
        if (sent.ok !== 1) throw new Error(`the ${row.dialect} probe cancel failed: ${JSON.stringify(sent.statuses)} ${sent.failures?.join('; ') ?? ''}`);
      });
      result.sql = sqlLines(capture);
      result.leftOut = leftOutLines(capture);
      result.pgbench = await o.sqlCeiling(`${row.dialect}_cancel`, `the SQL one ${row.dialect} cancel (${row.cancelPath}) issued`, capture, template.id, cancel.reqPerSec);
    }
    results.push(result);
    console.log(`  ${row.dialect} cancel: done`);
  }
  return results;
}

async function countCanceled(k: Kasir, ids: string[]): Promise<number> {
  const { rows } = await k.db.query<{ n: string }>(`SELECT count(*) AS n FROM payments WHERE status = 'canceled' AND id = ANY($1)`, [ids]);
  return Number(rows[0].n);
}

/** A row failed: an answer that was no success, a payment not canceled, or a failed no-op. */
export function dialectsFailed(rows: DialectResult[] | undefined): boolean {
  return (rows ?? []).some((r) => r.cancel.failed > 0 || Boolean(r.cancel.failures?.length) || r.noop.failed > 0);
}

/** Under the table: what each row sent, and every failure with its samples. */
export function dialectNotes(rows: DialectResult[] | undefined): string[] {
  const notes: string[] = [];
  for (const r of rows ?? []) {
    notes.push(`${r.scenario}: ${r.request}, each request signed in the load generator when sent; ceiling: ${r.ceiling} (dialect-noops.ts)`);
    for (const [name, m] of [[r.scenario, r.cancel], [`${r.dialect} no-op`, r.noop]] as const) {
      if (m.failed || m.failures?.length) notes.push(`${name}: ${m.failed} failed ${JSON.stringify(m.statuses)}: ${m.failures?.join('; ')}`);
      if (m.timedOut) notes.push(`${name}: hit BENCH_MAX_SECONDS, ${m.requests} requests`);
    }
  }
  return notes;
}
