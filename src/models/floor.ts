/**
 * The variance floor: how small a component's variance may become.
 *
 * A Gaussian component that collapses onto one value has σ² → 0 and an unbounded
 * likelihood, so every mixture likelihood is unbounded and EM can run into such a spike.
 * Recorded data cannot support a variance below their recording resolution δ (see
 * resolution.ts): the true values rounded to a grid of step δ carry an error uniform on
 * [−δ/2, δ/2], of variance δ²/12 (Sheppard). So
 *
 *   floor = δ²/12,   δ never below ulp(max |x_i|),
 *
 * the spacing of doubles at the data's magnitude, which no recording can beat. It also keeps
 * 1/σ² and (x − μ)²/σ² finite for any data em-fit accepts.
 */

import { fitError } from '../errors.js';
import { short } from '../text.js';
import type { Resolution, ResolutionSource } from './resolution.js';

export interface VarianceFloor {
  /** The floor on every σ²_k. */
  floor: number;
  /** δ: the data's recording resolution (the floor is δ²/12 unless the user set it). */
  resolution: number;
  /** How δ was found. */
  resolutionSource: ResolutionSource;
  /** Where the floor comes from: δ, or --min-variance. */
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
 * The floor for data of recording resolution `resolution` whose largest magnitude is
 * `largest`, or the user's own floor (never below the doubles' spacing). Throws a fit error
 * (exit 4) when the data's scale puts the floor outside [MIN_FLOOR, MAX_FLOOR]: values around
 * 1e-200 or 1e200 have variances no double can hold, and must be rescaled.
 */
export function varianceFloor(resolution: Resolution, largest: number, userFloor?: number): VarianceFloor {
  const machine = ulp(largest);
  const delta = Math.max(resolution.value, machine);
  const resolutionSource = delta === resolution.value ? resolution.source : 'machine';
  const result: VarianceFloor =
    userFloor !== undefined
      ? { floor: Math.max(userFloor, (machine * machine) / 12), resolution: delta, resolutionSource, source: 'user' }
      : { floor: (delta * delta) / 12, resolution: delta, resolutionSource, source: 'resolution' };
  if (!(result.floor >= MIN_FLOOR && result.floor <= MAX_FLOOR)) {
    const what = result.source === 'user' ? `the variance floor ${short(result.floor)}` : `values recorded to ${short(result.resolution)}, whose variance floor ${short(result.floor)}`;
    throw fitError(`${what} cannot be held in a double (it must lie between ${short(MIN_FLOOR)} and ${short(MAX_FLOOR)}); rescale the column, e.g. multiply or divide it by a power of ten`);
  }
  return result;
}
