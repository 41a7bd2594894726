// Starting PGlite runs initdb (about 4 s of CPU), and every test file starts its own database. The
// first file builds a migrated template once and stores it in the temp folder, keyed by the
// migrations' content; every other file loads it (about 0.5 s). A changed migration makes a new key.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

function migrationsKey(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) h.update(f).update(readFileSync(join(MIGRATIONS, f)));
  return h.digest('hex').slice(0, 16);
}

export async function migratedTemplate(): Promise<Blob> {
  const file = join(tmpdir(), `kasir-pglite-template-${migrationsKey()}.tar`);
  if (!existsSync(file)) {
    const db = await openPglite('memory://');
    await migrate(db);
    const tar = Buffer.from(await (await db.dump()).arrayBuffer());
    await db.close();
    // Write then rename: files starting at the same time never read a half-written template.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, tar);
    renameSync(partial, file);
  }
  return new Blob([readFileSync(file)]);
}
