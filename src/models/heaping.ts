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
 * Where a density is narrow against δ it does change over 2δ: at a mode of sd about δ the
 * middle value holds 2.7 times its neighbours' average (round(rnorm(1000, 40, 1)) made a
 * "heap" on multiples of 10 of its mode, 40). So where the four neighbours each hold at least
 * CURVED_LEAST (enough for their logs to be those of the density within about 30%), a grid
 * point's expected weight is the larger of their average and the value at the point of the
 * parabola fitted to their logs by least squares (log W(j + i) = a + b i + c i², i = ±1, ±2:
 * a = (34 Σ log W − 10 Σ i² log W)/36), which a Gaussian's log-density is: a mode predicts
 * itself, a pile on the grid stands above it. (From fewer, the logs' noise alone lifts the
 * parabola's top above the average, and real heaps went unseen: 9 of 160 heaped panel sets.)
 * And a heap is a pattern over the grid: it needs weight on at least MIN_POINTS grid points,
 * for on one alone (whole numbers of sd 0.7, on five values) it is the mode.
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
/** Least number of grid points holding weight (with neighbours) in a heap. */
const MIN_POINTS = 2;
/** Least weight of each neighbour for the parabola through their logs (see the header). */
const CURVED_LEAST = 10;
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
  // Weight by lattice index, relative to the smallest value: the occupied indices ascending
  // (x is sorted; values that round to one index are merged) and their weights.
  const index = new Float64Array(m);
  const weight = new Float64Array(m);
  let occupied = 0;
  let total = 0;
  for (let i = 0; i < m; i++) {
    const wi = w === null ? 1 : w[i];
    const j = Math.round((x[i] - x[0]) / resolution);
    if (occupied > 0 && index[occupied - 1] === j) weight[occupied - 1] += wi;
    else {
      index[occupied] = j;
      weight[occupied++] = wi;
    }
    total += wi;
  }
  let best: (Heaping & { z: number }) | null = null;
  for (const c of GRID_MULTIPLES) {
    const grid = c * resolution;
    if (grid > (x[m - 1] - x[0]) * 2) break;
    let heaped = 0;
    let expected = 0;
    let points = 0;
    // Lattice points on the grid with weight within 2 steps: only those next to a value
    // count, so visit each value's neighbourhood once, ascending (rather than every grid
    // point of the range, which full-precision data make millions), with `from` the first
    // occupied index at least j − 2.
    let done = -Infinity;
    let from = 0;
    for (let i = 0; i < occupied; i++) {
      for (let j = Math.max(index[i] - 2, done + 1); j <= index[i] + 2; j++) {
        done = j;
        if (!onGrid(x[0] + j * resolution, grid, resolution)) continue;
        while (index[from] < j - 2) from++;
        let here = 0;
        let neighbours = 0;
        let logs = 0;
        let logsSquared = 0;
        let held = 0;
        for (let p = from; p < occupied && index[p] <= j + 2; p++) {
          if (index[p] === j) here = weight[p];
          else {
            neighbours += weight[p];
            const i2 = (index[p] - j) * (index[p] - j);
            const log = Math.log(weight[p]);
            logs += log;
            logsSquared += i2 * log;
            if (weight[p] >= CURVED_LEAST) held++;
          }
        }
        if (neighbours === 0) continue;
        if (here > 0) points++;
        heaped += here;
        expected += held === 4 ? Math.max(neighbours / 4, Math.exp((34 * logs - 10 * logsSquared) / 36)) : neighbours / 4;
      }
    }
    const z = (heaped - expected) / Math.sqrt(expected + 1);
    if (points >= MIN_POINTS && heaped >= MIN_RATIO * expected && z >= MIN_Z && (best === null || z > best.z)) {
      best = { grid, share: heaped / total, expected: expected / total, z };
    }
  }
  return best === null ? null : { grid: best.grid, share: best.share, expected: best.expected };
}
