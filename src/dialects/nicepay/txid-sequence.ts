// The 4-digit sequence part of every tXid and canceltXid, from nicepay_txid_seq (migration 003), the
// one source all Kasir processes on a database share.
//
// One `nextval` per transaction was a round trip of its own on every registration and cancel. Under
// load this draws several numbers in one statement and hands them out, but only within the
// wall-clock second the draw came back in, and each with that moment (`at`) as the time its tXid
// shows. A tXid is unique through its time part plus its sequence, so the numbers shown with one
// second were all drawn within that second and the round trip before it, as with one draw per use:
// a repeat would need the sequence to go round its 10,000 numbers in that time. What is left over
// when the second ends is discarded (at most a block less one, per process and second): the
// sequence cycles, and a skipped number only brings its next round a little closer.
//
// The block grows with demand: a draw takes as many numbers as were handed out so far in the same
// second, or as many callers as are waiting, whichever is more (at most MAX_BLOCK). A lone request
// therefore draws exactly one number, as before; a busy second draws in blocks.
import type { Clock } from '../../core/clock.ts';
import type { Queryable } from '../../db/db.ts';
import { formatTxid } from './txid.ts';

const MAX_BLOCK = 64;

export interface TxidNumber {
  /** The sequence number, 0–9999. */
  n: number;
  /** When it was handed out: the time the tXid must show. */
  at: Date;
}

export class TxidSequence {
  private readonly db: Queryable;
  private readonly clock: Clock;
  /** The second `free` was drawn in (epoch seconds). */
  private second = Number.NaN;
  private free: number[] = [];
  private handedOut = 0;
  private waiting = 0;
  private drawing: Promise<void> | null = null;

  constructor(deps: { db: Queryable; clock: Clock }) {
    this.db = deps.db;
    this.clock = deps.clock;
  }

  /**
   * A new tXid (iMid + payMethod + WIB time + sequence) and the time it shows, which is the
   * transaction's time. The only way callers make one, so the time printed is always the moment
   * the number was handed out.
   */
  async nextTxid(iMid: string, payMethod: string): Promise<{ tXid: string; at: Date }> {
    const { n, at } = await this.next();
    return { tXid: formatTxid(iMid, payMethod, at, n), at };
  }

  /** The next sequence number and the time its tXid shows; rejects when the draw fails. */
  async next(): Promise<TxidNumber> {
    this.waiting++;
    try {
      for (;;) {
        const at = this.clock.now();
        this.startSecond(at);
        const n = this.free.shift();
        if (n !== undefined) {
          this.handedOut++;
          return { n, at };
        }
        this.drawing ??= this.draw().finally(() => {
          this.drawing = null;
        });
        await this.drawing;
      }
    } finally {
      this.waiting--;
    }
  }

  /** A new second starts with nothing drawn: numbers from an earlier one are never handed out. */
  private startSecond(at: Date): void {
    const s = Math.floor(at.getTime() / 1000);
    if (s === this.second) return;
    this.second = s;
    this.free = [];
    this.handedOut = 0;
  }

  private async draw(): Promise<void> {
    const size = Math.min(MAX_BLOCK, Math.max(1, this.handedOut, this.waiting));
    const { rows } = await this.db.query<{ n: string }>(`SELECT nextval('nicepay_txid_seq') AS n FROM generate_series(1, $1::int)`, [size]);
    // Valid in the second the draw came back in, however long it took: the callers waiting for it
    // take their numbers in this same turn of the event loop, so a slow database never makes them
    // draw again and again.
    this.startSecond(this.clock.now());
    this.free.push(...rows.map((r) => Number(r.n)));
  }
}
