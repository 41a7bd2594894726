// The upstream provider for connector tests: a second Kasir, in test mode, as its own process (its
// Antom and NICEPAY dialects are the ones the providers' own clients are tested against). On
// PostgreSQL it gets a database of its own, on PGlite a data directory of its own (a copy of a
// migrated one: no initdb, see child-start.ts); either is read at the end to check its ledger, and removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerViolations } from '../../src/core/ledger/invariants.ts';
import { openDatabase } from '../../src/runtime.ts';
import { createDatabase, startKasir, type KasirProcess } from '../chaos/kasir.ts';
import { seededDataDir } from './child-start.ts';

export interface Upstream {
  kasir: KasirProcess;
  baseUrl: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Stops the process and returns its ledger's violations (none expected), then removes its data. */
  stopAndCheckLedger(): Promise<string[]>;
}

export async function startUpstream(env: NodeJS.ProcessEnv = {}): Promise<Upstream> {
  const pg = process.env.DATABASE_URL ? await createDatabase() : null;
  const dataDir = pg ? null : await seededDataDir(mkdtempSync(join(tmpdir(), 'kasir-upstream-')));
  const settings = {
    KASIR_SANDBOX_LATENCY_MS: '0',
    KASIR_RECONCILE_EVERY_MS: '500',
    ...(dataDir ? { KASIR_DATA_DIR: dataDir } : {}),
    ...env,
  };
  const kasir = await startKasir(pg ? pg.url : null, settings);
  return {
    kasir,
    baseUrl: kasir.baseUrl,
    async admin(method, path, body) {
      const res = await fetch(kasir.baseUrl + '/admin/v1' + path, {
        method,
        headers: { authorization: `Bearer ${kasir.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async stopAndCheckLedger() {
      await kasir.stop();
      const db = await openDatabase(pg ? { databaseUrl: pg.url, dataDir: 'memory://' } : { dataDir: dataDir! });
      try {
        return await ledgerViolations(db);
      } finally {
        await db.close();
        if (pg) await pg.drop();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
