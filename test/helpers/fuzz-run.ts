// Runs one dialect's hostile requests in concurrent batches over loopback and judges every answer:
// no 5xx-class answer, the dialect's own format, and no state changed by a refusal. Failures are
// collected (not thrown at the first) so one run reports every distinct problem with its request.
import fc from 'fast-check';
import type { Queryable } from '../../src/db/db.ts';
import { fingerprint, type Fingerprint } from './db-fingerprint.ts';
import type { Harness } from './harness.ts';
import { bodyText, describe, send, type Reply, type Sent } from './wire.ts';

export interface FuzzCase {
  op: string;
  sent: Sent;
  /** Signed/tokenised correctly for the fuzzed merchant. */
  authenticated: boolean;
  /** Carries a processor trigger (the card that never answers): an unknown outcome is then expected. */
  trigger: boolean;
}

export interface Verdict {
  /** How the answer is counted ("401 UNAUTHORIZED", "PARAM_ILLEGAL" …). */
  cls: string;
  /** The answer says nothing happened: it must not have changed anything. */
  refusal: boolean;
  /** Set when the answer breaks the rules (a 5xx-class answer, another format …). */
  failure?: string;
}

export interface DialectFuzz {
  name: string;
  cases(authenticated: boolean): fc.Arbitrary<FuzzCase>;
  judge(c: FuzzCase, r: Reply): Verdict;
}

export interface FuzzReport {
  requests: number;
  authenticated: number;
  refusals: number;
  byClass: Record<string, number>;
  /** Distinct failures (by dialect, operation and kind), each with the first request that showed it. */
  failures: Map<string, string>;
}

/** Each payment's row, its event count and its refund count, by every id a request may name it by. */
async function paymentStates(db: Queryable): Promise<Map<string, { state: string; ids: string[] }>> {
  const { rows } = await db.query<{ id: string; state: string; a: string | null; ar: string | null; t: string | null; r: string | null }>(
    `SELECT p.id::text AS id, md5(p::text) || ':' || (SELECT count(*) FROM payment_events e WHERE e.payment_id = p.id)
              || ':' || (SELECT count(*) FROM refunds f WHERE f.payment_id = p.id) AS state,
            p.antom_payment_id AS a, p.antom_payment_request_id AS ar, p.nicepay_txid AS t, p.nicepay_reference_no AS r
       FROM payments p`,
  );
  return new Map(rows.map((r) => [r.id, { state: r.state, ids: [r.id, r.a, r.ar, r.t, r.r].filter((x): x is string => !!x) }]));
}


/** Runs `runs` requests of `auth` kind in batches of `batch` at once. */
export async function fuzz(h: Harness, d: DialectFuzz, o: { runs: number; batch: number; seed: number; authenticated: boolean; report: FuzzReport }): Promise<void> {
  const db = h.deps.core.db;
  const fail = (key: string, detail: string) => {
    if (!o.report.failures.has(key)) o.report.failures.set(key, detail);
  };
  const batchArb = fc.array(d.cases(o.authenticated), { minLength: o.batch, maxLength: o.batch });
  // Each batch starts from the state the previous one left, read once: nothing else writes between
  // batches (the harness runs no jobs, and every request has been answered), and a write landing in
  // between is still caught, by the next batch. Unauthenticated requests must write nothing at all,
  // bookkeeping included: the whole database is compared.
  let whole: Fingerprint | null = o.authenticated ? null : await fingerprint(db);
  let states = await paymentStates(db);
  const property = fc.asyncProperty(batchArb, async (cases) => {
    const before = states;
    const replies = await Promise.all(cases.map((c) => send(h, c.sent).catch((err: Error) => err)));
    const accepted: string[] = [];
    cases.forEach((c, i) => {
      const r = replies[i];
      o.report.requests++;
      if (c.authenticated) o.report.authenticated++;
      if (r instanceof Error) return fail(`${d.name} ${c.op}: no answer (${r.message})`, describe(c.sent));
      const v = transportRefusal(c.sent, r) ?? d.judge(c, r);
      o.report.byClass[v.cls] = (o.report.byClass[v.cls] ?? 0) + 1;
      if (v.refusal) o.report.refusals++;
      else accepted.push(c.sent.path, bodyText(c.sent), r.text);
      if (!c.authenticated && !v.refusal) fail(`${d.name} ${c.op}: unauthenticated request not refused (${v.cls})`, `${describe(c.sent)}\n→ ${r.status} ${r.text.slice(0, 500)}`);
      if (v.failure) fail(`${d.name} ${c.op}: ${v.failure}`, `${describe(c.sent)}\n→ ${r.status} ${r.text.slice(0, 500)}`);
    });
    // A payment that changed must be named by a request whose answer was not a refusal.
    const acceptedText = accepted.join('\n');
    states = await paymentStates(db);
    for (const [id, now] of states) {
      if (before.get(id)?.state === now.state) continue;
      if (now.ids.some((x) => acceptedText.includes(x))) continue;
      const refused = cases.filter((_, i) => !(replies[i] instanceof Error)).map((c) => describe(c.sent)).join('\n  ');
      fail(`${d.name}: payment changed with no accepted request naming it`, `payment ${id} (${before.has(id) ? 'changed' : 'created'}) in a batch of:\n  ${refused}`);
    }
    if (whole) {
      const start = whole;
      const after = (whole = await fingerprint(db));
      const changed = Object.keys(after).filter((t) => after[t] !== start[t]);
      if (changed.length) fail(`${d.name}: unauthenticated batch changed ${changed.join(', ')}`, cases.map((c) => describe(c.sent)).join('\n  '));
    }
  });
  await fc.assert(property, { numRuns: Math.ceil(o.runs / o.batch), seed: o.seed });
}

/**
 * Node's HTTP parser refuses a request line and headers over 16 KiB (431) before any Kasir code
 * runs, in its own format: a refusal of the transport, not of a dialect.
 */
function transportRefusal(s: Sent, r: Reply): Verdict | null {
  const size = s.path.length + Object.entries(s.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
  return r.status === 431 && size > 16_000 ? { cls: 'HTTP 431 from Node (request line and headers over 16 KiB)', refusal: true } : null;
}

export const emptyReport = (): FuzzReport => ({ requests: 0, authenticated: 0, refusals: 0, byClass: {}, failures: new Map() });
