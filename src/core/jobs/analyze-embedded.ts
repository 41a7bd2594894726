// PGlite has no autovacuum, so nothing there refreshes the planner's statistics, and Kasir keeps
// every statement prepared on PGlite's one connection for the process's life (src/db/
// pglite-statements.ts). A plan made while a table was small stays a plan for a small table: a
// sequential scan that grows with the table, on every call (the replay guard's probe did exactly
// that until migration 020). ANALYZE refreshes the statistics and thereby invalidates the plans of
// the tables it analysed, so each statement is planned again for the data as it is now.
// It samples a bounded number of rows per table (30,000 at the default statistics target), so its
// cost stops growing with a table past that size; it still holds PGlite's one connection while it
// runs (about 0.3 s per 300,000-row table measured on the development VM, every ten minutes).
// On PostgreSQL this is autovacuum's work (keep it on): the job does nothing there.
import type { CoreDeps } from '../deps.ts';

/** How often, by default: rare enough to cost nothing, often enough that a plan lags by minutes. */
export const ANALYZE_EVERY_MS = 10 * 60_000;

/** ANALYZE on the embedded database; false (and nothing done) on PostgreSQL. */
export async function analyzeEmbedded(core: Pick<CoreDeps, 'db'>): Promise<boolean> {
  if (core.db.kind !== 'pglite') return false;
  await core.db.query('ANALYZE');
  return true;
}
