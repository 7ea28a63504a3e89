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

/**
 * The floor for data written with `decimals` decimal places whose largest magnitude is
 * `largest`, or the user's own floor (never below the doubles' spacing).
 */
export function varianceFloor(decimals: number, largest: number, userFloor?: number): VarianceFloor {
  const machine = ulp(largest);
  if (userFloor !== undefined) {
    return { floor: Math.max(userFloor, (machine * machine) / 12), resolution: null, source: 'user' };
  }
  const written = Number.isFinite(decimals) ? 10 ** -decimals : 0;
  const resolution = Math.max(written, machine);
  return { floor: (resolution * resolution) / 12, resolution, source: 'resolution' };
}
