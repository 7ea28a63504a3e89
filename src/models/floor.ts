/**
 * The variance floor: how small a component's variance may become.
 *
 * A Gaussian component that collapses onto one value has σ² → 0 and an unbounded
 * likelihood, so every mixture likelihood is unbounded and EM can run into such a spike.
 * Recorded data cannot support a variance below its recording resolution: values written
 * with d decimals are the true values rounded to a grid of step δ = 10^-d, and rounding
 * to that grid adds an error uniform on [−δ/2, δ/2], of variance δ²/12 (Sheppard). So
 *
 *   floor = δ²/12,   δ = max(10^-d, ulp(max |x_i|)),
 *
 * where d is the largest number of decimals written in the column (0 for integers) and
 * the second term is the spacing of doubles at the data's magnitude, which no recording
 * can beat. It also keeps 1/σ² and (x − μ)²/σ² finite for any data em-fit accepts.
 */

import { fitError } from '../errors.js';
import { short } from '../text.js';

export interface VarianceFloor {
  /** The floor on every σ²_k. */
  floor: number;
  /** δ: the resolution it was derived from, or null when the user set the floor. */
  resolution: number | null;
  /** Where the floor comes from. */
  source: 'resolution' | 'user';
}

/** Spacing of doubles at |v| (the unit in the last place), for normal v. */
export function ulp(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !Number.isFinite(a)) return Number.MIN_VALUE;
  const exponent = Math.floor(Math.log2(a));
  // log2 can be off by one next to a power of two; correct so that 2^e ≤ a < 2^(e+1).
  const e = 2 ** exponent > a ? exponent - 1 : 2 ** (exponent + 1) <= a ? exponent + 1 : exponent;
  return 2 ** (e - 52);
}

/** Largest |x_i|. */
export function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > m) m = a;
  }
  return m;
}

/** Floors em-fit can work with: h = 1/(2σ²) and σ² itself must be finite normal doubles. */
export const MIN_FLOOR = 1e-300;
export const MAX_FLOOR = 1e300;

/**
 * The floor for data written with `decimals` decimal places whose largest magnitude is
 * `largest`, or the user's own floor (never below the doubles' spacing). Throws a fit error
 * (exit 4) when the data's scale puts the floor outside [MIN_FLOOR, MAX_FLOOR]: values around
 * 1e-200 or 1e200 have variances no double can hold, and must be rescaled.
 */
export function varianceFloor(decimals: number, largest: number, userFloor?: number): VarianceFloor {
  const machine = ulp(largest);
  const result: VarianceFloor =
    userFloor !== undefined
      ? { floor: Math.max(userFloor, (machine * machine) / 12), resolution: null, source: 'user' }
      : floorOfResolution(Math.max(Number.isFinite(decimals) ? 10 ** -decimals : 0, machine));
  if (!(result.floor >= MIN_FLOOR && result.floor <= MAX_FLOOR)) {
    const what = result.resolution === null ? `the variance floor ${short(result.floor)}` : `values recorded to ${short(result.resolution)}, whose variance floor ${short(result.floor)}`;
    throw fitError(`${what} cannot be held in a double (it must lie between ${short(MIN_FLOOR)} and ${short(MAX_FLOOR)}); rescale the column, e.g. multiply or divide it by a power of ten`);
  }
  return result;
}

const floorOfResolution = (resolution: number): VarianceFloor => ({ floor: (resolution * resolution) / 12, resolution, source: 'resolution' });
