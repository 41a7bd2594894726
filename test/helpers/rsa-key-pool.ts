// RSA key pairs for the merchants of the tests' in-process Kasir, made once per test process and
// handed to each Kasir's database in turn.
//
// Every merchant gets two RSA-2048 key pairs (its Antom keys and the gateway's), about 35–100 ms of
// CPU each on the development VM: `npm test` made about 400 of them, some 16 s of CPU. A test process
// runs many files, and each Kasir the harness starts has a database of its own, so a pair a merchant
// of one database had can serve a merchant of another. Within one database (one harness, and the
// second nodes on it) every merchant still gets pairs no other merchant there has: tests that sign
// with one merchant's key and expect another merchant's to be refused stay exact. A process makes as
// many pairs as its most demanding database needs, not as many as all of them together.
import { newRsaKeyPair, type RsaKeyPair } from '../../src/core/merchants/rsa.ts';

/** Every pair made in this process, in the order made (a failed one is forgotten, to be made again). */
const made: (Promise<RsaKeyPair> | undefined)[] = [];

/** A source for one database: each call gives the next pair of the process's list, made when new. */
export function pooledRsaKeyPairs(): () => Promise<RsaKeyPair> {
  let taken = 0;
  return () => {
    const i = taken++;
    return (made[i] ??= newRsaKeyPair().catch((err) => {
      made[i] = undefined;
      throw err;
    }));
  };
}
