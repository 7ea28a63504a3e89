/**
 * The recording resolution δ of a column: the step of the grid its values were recorded on.
 *
 * The written decimals give an upper bound on the precision, not the precision itself: R
 * writes 15 significant digits and pandas 17 whatever the data were measured to, and a
 * spreadsheet writes whole seconds as minutes with three decimals (1/60 = 0.017 written as
 * 0.017, 2/60 as 0.033, …), so the decimals say 0.001 where the data were recorded to 1/60.
 * So δ is read from the values themselves when they sit on a lattice a + jδ coarser than the
 * written decimals, and from the decimals otherwise:
 *
 * 1. distinct sorted values v_1 < … < v_m (of a sample of the rows, when there are many),
 *    those within the written resolution of their neighbour taken as one;
 * 2. for δ₀ = g_min/j, j = 1 … MAX_DIVISOR (g_min the smallest gap between neighbours), the
 *    multiples j_i = Σ round(g/δ) of each value's distance from v_1 and the least-squares
 *    line v_i ≈ a + j_i δ, refined until the multiples no longer change;
 * 3. the lattice is accepted when every value lies within the written resolution of it
 *    (rounding to the written decimals moves a value by at most half of it), and when values
 *    spread at random over the written grid would fall that close to a lattice this coarse
 *    with probability below SIGNIFICANCE: each does with probability band/δ (band = the width
 *    around lattice points that holds the values, at most MAX_BAND·δ), so m − 2 of them with
 *    (band/δ)^(m−2) (two values fix a and δ);
 * 4. the coarsest accepted δ wins (the smallest j), replaced by the simplest step c·10^e/q
 *    (c = 1, 2 or 5, q = 1 … 100: tenths, fifths, quarters, sixtieths…) within its
 *    uncertainty that fits as well: the least-squares step of values written to 0.001 is
 *    0.0166664, where the step is 1/60. A lattice found on a sample is then checked against
 *    every row, so that the answer is about the whole column.
 *
 * Never finer than the spacing of doubles at the data's magnitude, which no recording beats.
 */
import { ulp } from './floor.js';

export type ResolutionSource = 'decimals' | 'values' | 'machine' | 'user';

export interface Resolution {
  /** δ, in the units of x. */
  value: number;
  /** How it was found: the written decimals, a lattice in the values, the doubles' spacing, or --resolution. */
  source: ResolutionSource;
}

/** Fewest distinct values from which a lattice is believed. */
const MIN_DISTINCT = 8;
/** Largest divisor of the smallest gap tried as the lattice step. */
const MAX_DIVISOR = 12;
/** Chance of a lattice this good in values without one, below which it is accepted. */
const SIGNIFICANCE = 1e-9;
/**
 * Largest share of a lattice step that the band around its points may take: a lattice is a
 * finding only when values could easily have missed it. It also keeps a lattice a few times
 * finer than a true one from being taken for it when a single value is off the true one.
 */
const MAX_BAND = 0.2;
/** Rows of the sample the lattice is looked for in. */
const SAMPLE_ROWS = 100_000;

/** Largest |x_i| over the rows of positive weight. */
function largestMagnitude(x: Float64Array, w: Float64Array | null): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    if (w !== null && !(w[i] > 0)) continue;
    const a = Math.abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

/** The distinct values, sorted, of an evenly spaced sample of at most SAMPLE_ROWS rows of positive weight. */
export function distinctSample(x: Float64Array, w: Float64Array | null, rows = SAMPLE_ROWS): Float64Array {
  const stride = Math.max(1, Math.ceil(x.length / rows));
  const picked: number[] = [];
  for (let i = 0; i < x.length; i += stride) if (w === null || w[i] > 0) picked.push(x[i]);
  const sorted = Float64Array.from(picked).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i];
  return sorted.slice(0, m);
}

/** A lattice a + jδ and the largest distance of the values from it. */
export interface Lattice {
  offset: number;
  step: number;
  /** max_i |v_i − (a + j_i δ)|. */
  residual: number;
}

/**
 * The least-squares lattice through the sorted distinct values `v`, starting from the step
 * `step0`; null when the values are not ascending multiples of it (a gap rounds to 0).
 */
export function fitLattice(v: Float64Array, step0: number): Lattice | null {
  const m = v.length;
  const multiple = new Float64Array(m);
  let step = step0;
  let offset = v[0];
  for (let round = 0; round < 6; round++) {
    let changed = false;
    let j = 0;
    for (let i = 1; i < m; i++) {
      const gap = Math.round((v[i] - v[i - 1]) / step);
      if (gap < 1) return null;
      j += gap;
      if (multiple[i] !== j) changed = true;
      multiple[i] = j;
    }
    if (!changed && round > 0) break;
    // Least squares v_i ≈ a + j_i δ, centred for accuracy.
    let mj = 0;
    let mv = 0;
    for (let i = 0; i < m; i++) {
      mj += multiple[i];
      mv += v[i] - v[0];
    }
    mj /= m;
    mv /= m;
    let sjj = 0;
    let sjv = 0;
    for (let i = 0; i < m; i++) {
      const dj = multiple[i] - mj;
      sjj += dj * dj;
      sjv += dj * (v[i] - v[0] - mv);
    }
    if (!(sjj > 0)) return null;
    step = sjv / sjj;
    offset = v[0] + mv - step * mj;
    if (!(step > 0)) return null;
  }
  let residual = 0;
  for (let i = 0; i < m; i++) residual = Math.max(residual, Math.abs(v[i] - (offset + multiple[i] * step)));
  return { offset, step, residual };
}

/**
 * A quick look before the fit: the first gaps of a few steps are near whole multiples of
 * `step` (a rough step: wider gaps may drift), which continuous data fail at once.
 */
function gapsFit(v: Float64Array, step: number): boolean {
  const end = Math.min(v.length, 33);
  let small = 0;
  for (let i = 1; i < end; i++) {
    const q = (v[i] - v[i - 1]) / step;
    if (q >= 3.5) continue;
    if (Math.abs(q - Math.round(q)) > 0.25) return false;
    small++;
  }
  // Values on a lattice fill it: many neighbours a step or two apart.
  return small >= Math.min(8, (end - 1) / 2);
}

/**
 * The coarsest lattice the distinct sorted values `v` sit on, coarser than the written
 * resolution `written`, or null when there is none worth believing (see the module's header).
 * `noise` is the rounding error of the doubles themselves at the data's magnitude.
 */
export function detectLattice(values: Float64Array, written: number, noise: number): Lattice | null {
  // Values closer than the written resolution are one point of any coarser lattice: float
  // noise (0.3 and 0.30000000000000004), or one lattice point written two ways (4.716 and
  // 4.717 for 283/60, truncated and rounded). Every row is checked against the lattice after.
  const kept: number[] = [];
  for (const value of values) if (kept.length === 0 || value - kept[kept.length - 1] > written + noise) kept.push(value);
  const v = Float64Array.from(kept);
  const m = v.length;
  if (m < MIN_DISTINCT) return null;
  let smallest = Infinity;
  for (let i = 1; i < m; i++) smallest = Math.min(smallest, v[i] - v[i - 1]);
  // Only a lattice clearly coarser than the written grid says more than the decimals do.
  const finest = written * (1 + 1e-6) + noise;
  for (let j = 1; j <= MAX_DIVISOR; j++) {
    const step0 = smallest / j;
    if (!(step0 > finest)) break;
    if (!gapsFit(v, step0)) continue;
    const lattice = fitLattice(v, step0);
    if (lattice === null || !(lattice.step > finest)) continue;
    // Values written to `written` lie within written/2 of the lattice; the fitted line adds a little.
    if (!(lattice.residual <= written + noise)) continue;
    const band = Math.max(2 * lattice.residual, written, noise);
    if (band <= MAX_BAND * lattice.step && (m - 2) * Math.log(band / lattice.step) <= Math.log(SIGNIFICANCE)) return lattice;
  }
  return null;
}

/** Largest denominator of a simple step. */
const MAX_DENOMINATOR = 100;

/**
 * The simplest step c·10^e/q (c ∈ {1, 2, 5}, q ≤ MAX_DENOMINATOR, smallest c·q first)
 * within 0.1% of the lattice's, with which every distinct value still lies within
 * `tolerance` of a + jδ (a refitted); the lattice itself when there is none.
 */
export function simplestLattice(v: Float64Array, lattice: Lattice, tolerance: number): Lattice {
  const tries: { c: number; q: number }[] = [];
  for (const c of [1, 2, 5]) for (let q = 1; q <= MAX_DENOMINATOR; q++) tries.push({ c, q });
  tries.sort((a, b) => a.c * a.q - b.c * b.q || a.q - b.q);
  for (const { c, q } of tries) {
    const e = Math.round(Math.log10((lattice.step * q) / c));
    const step = (c * 10 ** e) / q;
    if (!(Math.abs(step - lattice.step) <= 1e-3 * lattice.step)) continue;
    // The offset that centres the residuals: the midpoint of their range.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const d = v[i] - v[0];
      const r = d - Math.round(d / step) * step;
      lo = Math.min(lo, r);
      hi = Math.max(hi, r);
    }
    const residual = (hi - lo) / 2;
    if (residual <= tolerance) return { offset: v[0] + (lo + hi) / 2, step, residual };
  }
  return lattice;
}

/** True when every value of positive weight lies within `tolerance` of the lattice. */
function onLattice(x: Float64Array, w: Float64Array | null, lattice: Lattice, tolerance: number): boolean {
  const { offset, step } = lattice;
  for (let i = 0; i < x.length; i++) {
    if (w !== null && !(w[i] > 0)) continue;
    const d = x[i] - offset;
    if (!(Math.abs(d - Math.round(d / step) * step) <= tolerance)) return false;
  }
  return true;
}

/** The resolution the written decimals give: 10^−decimals (see ParsedNumber). */
// Parsed, not 10 ** −d, which is not the double nearest 10^−d for every d (10 ** −4 is
// 0.00009999999999999999): JSON's resolution then reads 0.0001, and compares equal to it.
export const fromDecimals = (decimals: number): Resolution => ({ value: Number.isFinite(decimals) ? Number(`1e${-decimals}`) : 0, source: 'decimals' });

/**
 * The recording resolution of a column whose values were written with at most `decimals`
 * decimal places (see ParsedNumber; −Infinity when unknown): a lattice in the values when
 * there is one, else 10^−decimals, never below the spacing of doubles at the data.
 * `values` is distinctSample(x, w), when the caller has it already.
 */
export function recordingResolution(x: Float64Array, w: Float64Array | null, decimals: number, values = distinctSample(x, w)): Resolution {
  const machine = ulp(largestMagnitude(x, w));
  const written = fromDecimals(decimals);
  const base: Resolution = written.value >= machine ? written : { value: machine, source: 'machine' };
  const noise = 16 * machine;
  const found = detectLattice(values, base.value, noise);
  if (found === null) return base;
  const lattice = simplestLattice(values, found, base.value + noise);
  if (!onLattice(x, w, lattice, base.value + noise)) return base;
  return { value: lattice.step, source: 'values' };
}
