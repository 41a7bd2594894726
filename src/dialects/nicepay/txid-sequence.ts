// The 4-digit sequence part of every tXid and canceltXid, from nicepay_txid_seq (migration 003), the
// one source all Kasir processes on a database share.
//
// One `nextval` per transaction was a round trip of its own on every registration and cancel. Under
// load this draws several numbers in one statement and hands them out, but only within the
// wall-clock second they were drawn in: a tXid is unique through its time part plus its sequence,
// so numbers used in a second must all have been drawn in about that second, exactly as with one
// draw per use (a repeat would need 10,000 draws between the two uses). What is left over when the
// second ends is discarded: the sequence cycles, and a skipped number costs nothing.
//
// The block grows with demand: a draw takes as many numbers as were handed out so far in the same
// second, or as many callers as are waiting, whichever is more (at most MAX_BLOCK). A lone request
// therefore draws exactly one number, as before; a busy second draws in blocks.
import type { Clock } from '../../core/clock.ts';
import type { Queryable } from '../../db/db.ts';

const MAX_BLOCK = 64;

export class TxidSequence {
  private readonly db: Queryable;
  private readonly clock: Clock;
  private second = Number.NaN;
  private free: number[] = [];
  private handedOut = 0;
  private waiting = 0;
  private drawing: Promise<void> | null = null;

  constructor(deps: { db: Queryable; clock: Clock }) {
    this.db = deps.db;
    this.clock = deps.clock;
  }

  /** The next sequence number (0–9999), drawn in the current second. */
  async next(): Promise<number> {
    this.waiting++;
    try {
      for (;;) {
        this.rollOver();
        const n = this.free.shift();
        if (n !== undefined) {
          this.handedOut++;
          return n;
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

  private currentSecond(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private rollOver(): void {
    const s = this.currentSecond();
    if (s === this.second) return;
    this.second = s;
    this.free = [];
    this.handedOut = 0;
  }

  private async draw(): Promise<void> {
    const second = this.second;
    const size = Math.min(MAX_BLOCK, Math.max(1, this.handedOut, this.waiting));
    const { rows } = await this.db.query<{ n: string }>(`SELECT nextval('nicepay_txid_seq') AS n FROM generate_series(1, $1::int)`, [size]);
    // Drawn for a second that has ended meanwhile: not handed out (the callers draw again).
    if (this.currentSecond() === second) this.free.push(...rows.map((r) => Number(r.n)));
  }
}
