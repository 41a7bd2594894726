// Impossible wall-clock date-times (a day the month lacks, month 0 or 13, hour 24, minute or second
// 60) paired with the nearest real one. Date.parse rolls the impossible ones over into another day
// ("2031-02-30" → 2 March): a dialect must refuse them, while accepting the real neighbour, which
// shows the refusal is about the date and nothing else in the request.
import fc from 'fast-check';

export interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const daysIn = (y: number, mo: number) => new Date(Date.UTC(y, mo, 0)).getUTCDate();

/** `year`'s impossible date-times, each with the real one it is nearest to. */
export function impossibleDates(year: number): fc.Arbitrary<{ bad: Parts; good: Parts }> {
  const real = fc
    .record({ y: fc.constantFrom(year, year + 1), mo: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }), h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }) });
  const broken = (good: Parts): fc.Arbitrary<{ bad: Parts; good: Parts }> =>
    fc.oneof(
      fc.integer({ min: daysIn(good.y, good.mo) + 1, max: 32 }).map((d) => ({ bad: { ...good, d }, good: { ...good, d: daysIn(good.y, good.mo) } })),
      fc.constantFrom(0, 13).map((mo) => ({ bad: { ...good, mo }, good: { ...good, mo: mo === 0 ? 1 : 12 } })),
      fc.constant({ bad: { ...good, d: 0 }, good: { ...good, d: 1 } }),
      fc.integer({ min: 24, max: 99 }).map((h) => ({ bad: { ...good, h }, good: { ...good, h: 23 } })),
      fc.integer({ min: 60, max: 99 }).map((mi) => ({ bad: { ...good, mi }, good: { ...good, mi: 59 } })),
      fc.integer({ min: 60, max: 99 }).map((s) => ({ bad: { ...good, s }, good: { ...good, s: 59 } })),
    );
  return real.chain(broken);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 with an offset, the way native and Antom clients write it. */
export const iso = (p: Parts, offset: string) => `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${offset}`;

/** NICEPAY's date (YYYYMMDD) and time (HHMMSS) fields. */
export const wib = (p: Parts) => ({ dt: `${pad(p.y, 4)}${pad(p.mo)}${pad(p.d)}`, tm: `${pad(p.h)}${pad(p.mi)}${pad(p.s)}` });
