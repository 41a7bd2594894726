// Starting PGlite runs initdb (about 4 s of CPU), and every test file starts its own database. The
// first file builds a migrated template once and stores it in the temp folder, keyed by what
// it is made of (templateKey); every other file loads it (about 0.5 s). A changed migration makes a new key.
//
// The template holds Kasir's database only. PGlite's data directory comes with three (postgres,
// which PGlite connects to, and the template0 and template1 that CREATE DATABASE copies), and every
// file of all three is unpacked into the worker's memory at each start: dropping the two templates
// takes the directory from 1,136 files to about 530, and each test file's start from about 1.2 to
// 0.8 s (about 0.4 s of CPU and 70 MB less). No test creates a database on PGlite.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, openAsBlob, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));
const PGLITE_PACKAGE = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url));

/** Part of the cache key: a template built another way (with the template databases) is not reused. */
const TEMPLATE_SHAPE = 'postgres database only';

/** What the template depends on: PGlite's version (its catalog), the template's shape and the migrations. */
export function templateKey(): string {
  const h = createHash('sha256').update(readFileSync(PGLITE_PACKAGE)).update(TEMPLATE_SHAPE);
  for (const f of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) h.update(f).update(readFileSync(join(MIGRATIONS, f)));
  return h.digest('hex').slice(0, 16);
}

/** The template's file (a tarball for PGlite's loadDataDir; `openAsBlob` it to hand it to PGlite directly). */
export async function migratedTemplate(): Promise<string> {
  const file = join(tmpdir(), `kasir-pglite-template-${templateKey()}.tar`);
  if (!existsSync(file)) {
    const db = await openPglite('memory://');
    await migrate(db);
    await db.query("UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')");
    await db.query('DROP DATABASE template0');
    await db.query('DROP DATABASE template1');
    const tar = Buffer.from(await (await db.dump()).arrayBuffer());
    await db.close();
    // Written aside, then linked into place only if no other process got there first. Not renamed
    // over it: a Blob from openAsBlob reads its file by path and fails (NotReadableError) once the
    // file it saw is replaced, which is what three worker processes building it at once on a fresh
    // machine did to each other.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, tar);
    try {
      linkSync(partial, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  return file;
}

/** The template as PGlite's own `loadDataDir` takes it (a Blob backed by the file). */
export async function migratedTemplateBlob(): Promise<Blob> {
  return openAsBlob(await migratedTemplate());
}
