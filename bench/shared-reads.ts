// The payment read that starts every operation, alone (findPayment: a statement per read) against
// shared (findPaymentBatched: the reads in flight in one statement), on PostgreSQL, 16 reads in
// flight, in alternating rounds. Not part of `npm run bench` (its runs are whole cancels); run it
// on its own:
//
//   node bench/shared-reads.ts            BENCH_DATABASE_URL, else the local server's test database
//
// It works in a schema of its own, dropped at the end; 3 rounds × 2 × 20,000 reads, loopback only.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { findPaymentBatched } from '../src/core/payments/find-batched.ts';
import { findPayment } from '../src/core/payments/repo.ts';
import { openDatabase } from '../src/runtime.ts';
import { makePayments, startKasir } from './kasir.ts';

const URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const READS = 20_000;
const IN_FLIGHT = 16;
const ROUNDS = 3;

/** CPU time of every postgres process on the machine (ms), from /proc. */
function postgresCpuMs(): number {
  const tick = 10; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function measure(name: string, ids: string[], read: (id: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.threadCpuUsage();
  const pg0 = postgresCpuMs();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < READS) await read(ids[next++ % ids.length]);
  }));
  const ms = performance.now() - t0;
  const cpu = process.threadCpuUsage(cpu0);
  const perRead = (total: number) => ((total / READS) * 1000).toFixed(1);
  console.log(`${name}: ${Math.round((READS / ms) * 1000)} reads/s; Kasir's thread ${perRead((cpu.user + cpu.system) / 1000)} µs per read; PostgreSQL ${perRead(postgresCpuMs() - pg0)} µs per read`);
}

const schema = `kasir_bench_reads_${process.pid}`;
const admin = new pg.Client(URL);
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  const db = await openDatabase({ databaseUrl: URL, dataDir: 'memory://', schema });
  const kasir = await startKasir(db);
  try {
    const ids = await makePayments(kasir, 'requires_confirmation', 500);
    console.log(`${READS} reads of 500 payments per run, ${IN_FLIGHT} in flight, PostgreSQL at ${new globalThis.URL(URL).host}`);
    for (let round = 0; round < ROUNDS; round++) {
      await measure('alone ', ids, (id) => findPayment(db, kasir.merchantId, { id }));
      await measure('shared', ids, (id) => findPaymentBatched(db, kasir.merchantId, { id }));
    }
  } finally {
    await kasir.app.close();
    await db.close();
  }
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
