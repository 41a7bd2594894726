// Seeded randomness for the crash suite: the seed alone decides the load plan (which scenarios, which
// merchants, which amounts) and where in it the kill lands, so a failing run can be replayed with
// `--seed`. Math.random is never used for anything that shapes a run.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** An independent stream for one part of the run (one round, the kill plan …), so adding
   * draws to one part does not shift every later part. */
  fork(label: string): Rng;
}

/** mulberry32: tiny, fast and good enough to shuffle a test plan (not for anything secret). */
export function rng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    fork: (label) => rng(hash32(`${seed}:${label}`)),
  };
}

/** FNV-1a, to derive the seed of a forked stream from a label. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
