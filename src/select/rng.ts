/**
 * Seeded random numbers for starting points: the same seed gives the same starts on every
 * machine. Streams are keyed (seed, K, variance model, restart), so a candidate's starts do
 * not depend on which other candidates are searched or in what order.
 */

/** The 32-bit finaliser of MurmurHash3: a bijective mixer of 32-bit integers. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mulberry32 (Tommy Ettinger): uniform numbers in [0, 1) from a 32-bit state. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform numbers in [0, 1) from the keys: Mulberry32 seeded with a hash of the keys. */
export function rng(...keys: number[]): () => number {
  let state = 0x9e3779b9;
  for (const key of keys) state = fmix32(state ^ fmix32(key >>> 0) ^ Math.floor(key / 2 ** 32));
  return mulberry32(state);
}
