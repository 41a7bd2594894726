// One statement on a PostgreSQL server outside any test's schema (create or drop a schema or database).
import pg from 'pg';

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
