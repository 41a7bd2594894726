// "Nothing changed" made checkable: a fingerprint of every table of the working schema (found through
// information_schema, so a table added later is covered without anyone listing it) as its row count
// and a digest of its rows' text. Equal fingerprints: no row was inserted, updated or deleted.
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/db.ts';

export type Fingerprint = Record<string, string>;

/**
 * What an authenticated request writes whatever it asks for: its own idempotency key, its accepted
 * signature (replay guard) and its rate-limit count. A refusal after authentication may write these
 * (an unknown payment's refusal writes them too); it must write nothing else.
 */
export const REQUEST_BOOKKEEPING = ['idempotency_keys', 'native_replay_guard', 'rate_windows'];

export async function fingerprint(db: Queryable, except: readonly string[] = []): Promise<Fingerprint> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const tables = rows.map((r) => r.table_name).filter((t) => !except.includes(t));
  // One statement for every table: fuzz batches take a fingerprint each, and round trips add up.
  const columns = tables.map((t, i) => `(SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "${t}" x) AS t${i}`);
  const { rows: [r] } = await db.query<Record<string, string>>(`SELECT ${columns.join(', ')}`);
  return Object.fromEntries(tables.map((t, i) => [t, r[`t${i}`]]));
}

/** Asserts that no table changed since `before`, naming the tables that did. */
export async function assertUnchanged(db: Queryable, before: Fingerprint, what: string, except: readonly string[] = []): Promise<void> {
  const after = await fingerprint(db, except);
  const changed = Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
  assert.deepEqual(changed, [], `${what} changed stored state`);
}

export interface Counts {
  payments: number;
  events: number;
  refunds: number;
}

/** The three counts the reports quote. */
export async function counts(db: Queryable): Promise<Counts> {
  const { rows: [r] } = await db.query<{ p: string; e: string; r: string }>(
    'SELECT (SELECT count(*) FROM payments) AS p, (SELECT count(*) FROM payment_events) AS e, (SELECT count(*) FROM refunds) AS r',
  );
  return { payments: Number(r.p), events: Number(r.e), refunds: Number(r.r) };
}
