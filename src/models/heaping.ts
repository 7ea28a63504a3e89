/**
 * Heaping: a share of the values recorded on a grid coarser than the rest (ages to whole
 * years or fives, lengths to whole centimetres among millimetres, durations to whole
 * minutes among seconds). The heaped values pile up on the coarse grid, and a Gaussian
 * mixture pays for such a pile with a component on it, which no start or floor stops: the
 * excess of data on that one value is real. What is not real is its precision: a value on
 * the coarse grid stands for anything within half a coarse step. So when a heap is found,
 * the model search scores values on the coarse grid as intervals of that width (see
 * gaussian-grouped.ts; Heitjan and Rubin 1991, "Ignorability and coarse data", Annals of
 * Statistics 19, 2244–2253, on fitting such coarsened data).
 *
 * Detection, on the data's distinct values and their weights W(v), on a lattice of step δ
 * (the resolution): for a coarse grid Δ = cδ (c from GRID_MULTIPLES, grid points at whole
 * multiples of Δ), compare the weight H on the grid points with E, the weight their
 * neighbours at ±δ and ±2δ carry on average: without heaping H ≈ E, because a smooth
 * density barely changes over 2δ; with a fifth of the values heaped on Δ = 10δ, H ≈ 3.5E.
 * A heap needs H ≥ MIN_RATIO·E and a z-score (H − E)/√(E + 1) of at least MIN_Z; among the
 * grids that qualify the one with the largest z-score wins (a heap on whole numbers also
 * shows, more weakly, on multiples of 2, 5 or 10, and on halves). Grid points whose
 * neighbours hold no weight at all are left out: sparse data have no piles to measure.
 */
import type { Data } from './family.js';

/** Multiples of the resolution tried as the coarse grid. */
const GRID_MULTIPLES = [2, 4, 5, 10, 20, 25, 50, 100, 1000];
/** Least H/E of a heap. */
const MIN_RATIO = 1.5;
/** Least z-score (H − E)/√(E + 1) of a heap. */
const MIN_Z = 5;
/** Most lattice points examined (a wider range is not a lattice worth heaping). */
const MAX_POINTS = 10_000_000;

export interface Heaping {
  /** Δ, the coarse grid: values that are whole multiples of it are heaped ones. */
  grid: number;
  /** The share of the weight on the grid, H/Σw, and what the neighbours make expected, E/Σw. */
  share: number;
  expected: number;
}

/** True when x lies on the grid of step `grid` (whole multiples), within a quarter of `step`. */
export const onGrid = (x: number, grid: number, step: number): boolean => Math.abs(x - Math.round(x / grid) * grid) <= 0.25 * step;

/**
 * The heap in `compact` (sorted distinct values and their weights, see select/degenerate.ts
 * compress), whose values sit on a lattice of step `resolution`, or null when there is none.
 */
export function detectHeaping(compact: Data, resolution: number): Heaping | null {
  const { x, w } = compact;
  const m = x.length;
  if (m < 3 || !(resolution > 0)) return null;
  const span = (x[m - 1] - x[0]) / resolution;
  if (!(span <= MAX_POINTS)) return null;
  // Weight by lattice index, relative to the smallest value.
  const weight = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < m; i++) {
    const wi = w === null ? 1 : w[i];
    const j = Math.round((x[i] - x[0]) / resolution);
    weight.set(j, (weight.get(j) ?? 0) + wi);
    total += wi;
  }
  const at = (j: number): number => weight.get(j) ?? 0;
  let best: (Heaping & { z: number }) | null = null;
  for (const c of GRID_MULTIPLES) {
    const grid = c * resolution;
    if (grid > (x[m - 1] - x[0]) * 2) break;
    let heaped = 0;
    let expected = 0;
    // Grid points k·Δ within the data's range that lie on the values' lattice.
    const last = Math.floor(x[m - 1] / grid + 0.25 / c);
    for (let k = Math.ceil(x[0] / grid - 0.25 / c); k <= last; k++) {
      const g = k * grid;
      const j = Math.round((g - x[0]) / resolution);
      if (!(Math.abs(g - x[0] - j * resolution) <= 0.25 * resolution)) continue;
      const neighbours = at(j - 2) + at(j - 1) + at(j + 1) + at(j + 2);
      if (neighbours === 0) continue;
      heaped += at(j);
      expected += neighbours / 4;
    }
    const z = (heaped - expected) / Math.sqrt(expected + 1);
    if (heaped >= MIN_RATIO * expected && z >= MIN_Z && (best === null || z > best.z)) {
      best = { grid, share: heaped / total, expected: expected / total, z };
    }
  }
  return best === null ? null : { grid: best.grid, share: best.share, expected: best.expected };
}
