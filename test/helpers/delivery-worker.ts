// A separate Kasir delivery worker process for the multi-process delivery test: it opens the same
// PostgreSQL schema as the test and delivers due notifications until none are left (or 20 s pass).
import { systemClock } from '../../src/core/clock.ts';
import { deliverDue } from '../../src/core/notifications/worker.ts';
import { createSecretBox } from '../../src/core/merchants/secret-box.ts';
import { notificationFormats } from '../../src/runtime.ts';
import { openPostgres } from '../../src/db/postgres.ts';

const db = openPostgres({ url: process.env.DATABASE_URL!, schema: process.env.KASIR_TEST_SCHEMA, max: 4 });
const merchants = { db, clock: systemClock, box: createSecretBox(Buffer.from(process.env.KASIR_TEST_KEY!, 'base64')) };
const deps = { db, clock: systemClock, merchants, formats: notificationFormats(), allowPrivateTargets: true };
const deadline = Date.now() + 20_000;
let delivered = 0;
while (Date.now() < deadline) {
  delivered += await deliverDue(deps, 5);
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`);
  if (Number(rows[0].n) === 0) break;
}
process.stdout.write(JSON.stringify({ delivered }));
await db.close();
