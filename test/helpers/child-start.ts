// What makes a child `node src/…` cheap to start, for tests that run Kasir or its CLI as a process.
// - NODE_COMPILE_CACHE: Node keeps the compiled (and type-stripped) modules in the temp folder; a
//   CLI command starts in about 0.07 s instead of 0.2 s, the server imports its app faster. Node
//   checks each entry against the source's hash, so an edited file is compiled afresh.
// - seededDataDir: the embedded database in an empty data directory runs initdb first (about 4 s
//   of CPU). A test whose subject is not that first start gets a copy of an initialised, migrated
//   data directory instead, made once and kept in the temp folder, keyed like the in-memory template it
//   is made from (pglite-template.ts).
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const COMPILE_CACHE_ENV = { NODE_COMPILE_CACHE: join(tmpdir(), 'kasir-node-compile-cache') };

let seeding: Promise<string> | undefined;
const seed = () => (seeding ??= buildSeed()); // once per process (npm test runs many files in one), however many tests ask at once

/** The cached data directory: initdb'd, migrated, cleanly shut down, never started by a server. */
async function buildSeed(): Promise<string> {
  // Loaded here: a file that only wants COMPILE_CACHE_ENV (the chaos runner) does not load PGlite.
  const { migratedTemplateBlob, templateKey } = await import('./pglite-template.ts');
  const dir = join(tmpdir(), `kasir-pglite-datadir-${templateKey()}`);
  if (existsSync(dir)) return dir;
  // Built aside and renamed into place: a file starting at the same time never copies half of it.
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(partial, { loadDataDir: await migratedTemplateBlob() });
  await db.close();
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another file got there first
  }
  return dir;
}

/** Fills `target` (absent or an empty directory) with a migrated database for KASIR_DATA_DIR; returns it. */
export async function seededDataDir(target: string): Promise<string> {
  cpSync(await seed(), target, { recursive: true, errorOnExist: true, force: false });
  return target;
}
