/**
 * Seeded random inputs for the hardening tests (bytes, partitions, permutations), drawn
 * from the same generator as the synthetic mixtures (mixture.ts), so that a failing case is
 * reproduced from its seed alone.
 */
import { mulberry32 } from './mixture.js';

/** An integer in [lo, hi]. */
export const randomInt = (u: () => number, lo: number, hi: number): number => lo + Math.floor(u() * (hi - lo + 1));

/** `length` bytes from mulberry32(seed). */
export function randomBytes(seed: number, length: number): Buffer {
  const u = mulberry32(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(u() * 256);
  return bytes;
}

/** Fisher–Yates, in place; returns the array. */
export function shuffle<T>(u: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(u, 0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** n labels in 1 … k, each present at least once (needs n ≥ k), in random order. */
export function randomPartition(u: () => number, n: number, k: number): number[] {
  return shuffle(
    u,
    Array.from({ length: n }, (_, i) => (i < k ? i + 1 : randomInt(u, 1, k))),
  );
}
