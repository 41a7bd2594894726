// Finds a string anywhere in the database: every text-like column (text, varchar, json, jsonb, arrays,
// bytea) of every table of the working schema (the file's own schema on PostgreSQL, public on PGlite),
// listed through information_schema, so a table or column added later is scanned without anyone
// remembering to name it.
import type { Queryable } from '../../src/db/db.ts';

const TEXT_LIKE = ['text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY'];

/** Every text-like column as "table.column". */
export async function textColumns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ t: string; c: string }>(
    `SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = ANY($1)
      ORDER BY 1, 2`,
    [TEXT_LIKE],
  );
  return rows.map((r) => `${r.t}.${r.c}`);
}

/** The columns (of `columns`) whose stored text contains `needle`, as "table.column". */
export async function columnsContaining(db: Queryable, columns: string[], needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const column of columns) {
    const [t, c] = column.split('.');
    // The text form of the value: jsonb and arrays print strings as stored (no escaping of the
    // base64 or url-safe characters secrets are made of).
    const { rows } = await db.query(`SELECT 1 FROM "${t}" WHERE strpos("${c}"::text, $1) > 0 LIMIT 1`, [needle]);
    if (rows.length) found.push(column);
  }
  return found;
}
