/**
 * The Student-t family, for heavy-tailed data on the whole line:
 *   f(x | μ, σ, ν) = Γ((ν+1)/2) / (Γ(ν/2) σ √(νπ)) · (1 + (x − μ)²/(νσ²))^(−(ν+1)/2)
 * with location μ, scale σ and ν degrees of freedom (R: dt((x − μ)/σ, df)/σ).
 *
 * Fitted by the EM of Peel and McLachlan (Statistics and Computing 10, 2000, 339–348) on
 * data augmented by the scale variables: given component k, u ~ Gamma(ν/2, ν/2) and
 * x | u ~ N(μ, σ²/u). Given x_i, u is Gamma(a_k, b_ik) with a_k = (ν_k + 1)/2 and
 * b_ik = (ν_k + δ²_ik)/2, δ_ik = (x_i − μ_k)/σ_k, so the E-step weights are
 *   u_ik = E[u] = a_k/b_ik = (ν_k + 1)/(ν_k + δ²_ik),   E[log u] = log u_ik + ψ(a_k) − log a_k.
 * The complete-data log-likelihood separates into (μ, σ) and ν, so maximising each is the
 * full M-step of this augmentation (Peel and McLachlan's two CM-steps commute here):
 * ℓ never decreases.
 *
 * Statistics after the header (K each), centred at the μ_k of the pass:
 *   N_k  = Σ w r,  U_k = Σ w r u,  U1_k = Σ w r u (x − μ_k),  U2_k = Σ w r u (x − μ_k)²,
 *   G_k  = Σ w r (u − 1 − log u)            (≥ 0; the df equation's statistic)
 * M-step:
 *   μ'_k = μ_k + U1_k/U_k,   σ'²_k = (U2_k − U1_k²/U_k) / N_k    (held at or above scaleFloor²)
 *   ν'_k: the root of log(ν/2) − ψ(ν/2) = G_k/N_k + log a_k − ψ(a_k)    (df 'each')
 *         or of the same with both right-hand terms summed over k and divided by Σ N_k
 *         (df 'shared'), or the fixed value (df a number).
 * The df equation is Peel and McLachlan's (their eq. 30 with p = 1), rearranged so that
 * both sides are positive sums, not differences near −1: log u ≤ u − 1 makes G_k ≥ 0, and
 * log a − ψ(a) > 0. Its left side decreases from +∞ to 0, so there is one root, found like
 * the gamma shape (gammaShape) in ν/2, and held within [dfMin, dfMax] ([0.5, 200] by
 * default: above 200 a t is a Gaussian to within the data's noise; below 0.5 its tails are
 * heavier than anything a finite sample can tell apart). Q is concave in ν, so the held
 * value is the constrained maximiser.
 * E_q log p(x, z, u | θ) is taken with the entropy of q(u | x, z) added (so that the ELBO is
 * expectedLogJoint − Σ w r log r, as for the other families, and equals ℓ at the θ of the
 * pass); see componentLogJoint.
 */
import { LOG_2PI } from '../exp.js';
import {
  type ComponentFamily,
  type Data,
  HEADER,
  type MixtureParams,
  checkPartition,
  checkSupport,
  liveComponents,
  parameterArrays,
  weightsFromCounts,
  weightsLogJoint,
} from './component.js';
import { addKernelOutput, type KernelSpec, outLength, runKernel } from './kernel.js';
import { increasingRoot } from './solve.js';
import { digamma, lgamma, logMinusDigamma, logMinusDigammaPrime, logStudentT, tLogConstant } from './special.js';

export interface TMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** μ_k, shape (K,), in the units of x. */
  readonly location: Float64Array;
  /** σ_k > 0, shape (K,), in the units of x. */
  readonly scale: Float64Array;
  /** ν_k > 0, shape (K,): degrees of freedom, all equal under df 'shared' or fixed. */
  readonly df: Float64Array;
}

/** 'each': one ν per component; 'shared': one ν for all; a number: ν fixed at it. */
export type DfModel = 'each' | 'shared' | number;

export interface TOptions {
  k: number;
  df: DfModel;
  /** Lower bound on every σ_k: δ/√12 for data recorded to δ (the Gaussian floor's square root). */
  scaleFloor: number;
  /** Bounds on an estimated ν; default [0.5, 200]. */
  dfMin?: number;
  dfMax?: number;
  /** ν of the start from a partition when ν is estimated; default 10. */
  startDf?: number;
}

/**
 * Per row and component: δ² = (x − μ)²/σ², z = δ²/ν, L = log(1 + z), a = log π + constant −
 * (ν+1)/2 · L; u = a0/(1 + z) with a0 = (ν+1)/ν, and log u = log a0 − L. L is exp.ts's table
 * log of the rounded 1 + z (taken in kernel.ts's loop of logs): within 2e-16 of log1p(z) in
 * absolute terms, which is all that a and the sums of v L ask for.
 * Statistics v, v/(1 + z), v (x − μ)/(1 + z), v (x − μ)²/(1 + z) and v L, from which the pass
 * makes U, U1, U2 (times a0, once per component) and G (tStatistics).
 *
 * Measured (K = 3, 1M rows, interleaved with the Gaussian's): the pass from 2.5× to about 2×
 * the Gaussian's; of that, about 9 ms of 60 came from the correction of L for the rounding of
 * 1 + z (which put the division on the path to a, and so to the exps), which G needed when it
 * was summed per row as v (u − 1 − log u), and the rest from the per-row G and the a0's.
 */
export const T_KERNEL: KernelSpec = {
  name: 't',
  params: ['mu', 'c', 'inv', 'half'],
  row: '',
  rowSums: [],
  componentLog: { name: 'L', of: (n) => `1 + (xi - ${n.p('mu')}) * (xi - ${n.p('mu')}) * ${n.p('inv')}` },
  density: (n) => `const ${n.v('d')} = xi - ${n.p('mu')};
    const ${n.v('iz')} = 1 / (1 + ${n.v('d')} * ${n.v('d')} * ${n.p('inv')});
    const ${n.v('a')} = ${n.p('c')} - ${n.p('half')} * ${n.v('L')};`,
  carry: ['d', 'iz', 'L'],
  statCount: 5,
  statistics: (n) => `const ${n.v('vu')} = ${n.v('v')} * ${n.v('iz')};
    const ${n.v('vud')} = ${n.v('vu')} * ${n.v('d')};
    ${n.add(0, n.v('v'))}
    ${n.add(1, n.v('vu'))}
    ${n.add(2, n.v('vud'))}
    ${n.add(3, `${n.v('vud')} * ${n.v('d')}`)}
    ${n.add(4, `${n.v('v')} * ${n.v('L')}`)}`,
  wasm: {
    statisticsLoop: { carry: ['d', 'iz', 'L'] },
    density: (b, row, p) => {
      const d = b.let(b.sub(row.x, p('mu')));
      const onePlus = b.let(b.add(b.k(1), b.mul(b.mul(d, d), p('inv'))));
      const iz = b.let(b.div(b.k(1), onePlus));
      const L = b.log(onePlus, true);
      return { d, iz, L, a: b.let(b.sub(p('c'), b.mul(p('half'), L))) };
    },
    statistics: (b, _row, _p, v, { d, iz, L }) => {
      const vu = b.let(b.mul(v, iz));
      const vud = b.let(b.mul(vu, d));
      return [v, vu, vud, b.mul(vud, d), b.mul(v, L)];
    },
  },
};

/**
 * T_KERNEL's statistics of m live components (out[3 + s·m + j], s = 0..4: N, V, V1, V2, SL)
 * into N, U = a0 V, U1 = a0 V1, U2 = a0 V2 and
 *   G = Σ v (u − 1 − log u) = (U − N) + (SL − N log a0),
 * in place, with a0 = (ν+1)/ν and log a0 = log1p(1/ν) from packed. G is a difference here:
 * for ν near its bound of 200 (u within 1% of 1, u − 1 − log u ≈ (u − 1)²/2) it keeps about
 * 11 digits of its own, and the df equation adds it to log a − ψ(a) ≈ 1/(2a), which is 200
 * times larger there, so ν keeps 13. Held at ≥ 0, as Σ v (u − 1 − log u) is.
 */
function tStatistics(out: Float64Array, m: number, a0: Float64Array, logA0: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const n = out[3 + j];
    const u = a0[j] * out[3 + m + j];
    out[3 + m + j] = u;
    out[3 + 2 * m + j] *= a0[j];
    out[3 + 3 * m + j] *= a0[j];
    out[3 + 4 * m + j] = Math.max(0, u - n + (out[3 + 4 * m + j] - n * logA0[j]));
  }
}

/** Bits of bounded[k]. */
export const T_BOUND = { scaleFloor: 1, dfMin: 2, dfMax: 4 } as const;

/**
 * The ν/2 of the df M-step: the root of log x − ψ(x) = c (c > 0) within [lo, hi]; like
 * gammaShape, the root lies in [1/(2c), 1/c].
 */
function halfDf(c: number, lo: number, hi: number): number {
  if (!(c > 0.5 / hi)) return hi;
  if (!(c < 1 / lo)) return lo;
  const guess = (3 - c + Math.sqrt((c - 3) * (c - 3) + 24 * c)) / (12 * c);
  return increasingRoot(
    (x) => c - logMinusDigamma(x),
    (x) => -logMinusDigammaPrime(x),
    Math.max(lo, 0.5 / c),
    Math.min(hi, 1 / c),
    guess,
  );
}

export function tFamily(options: TOptions): ComponentFamily<TMixture> {
  const { k: K, df: dfModel, scaleFloor } = options;
  const dfMin = options.dfMin ?? 0.5;
  const dfMax = options.dfMax ?? 200;
  const startDf = typeof dfModel === 'number' ? dfModel : (options.startDf ?? 10);
  if (!(scaleFloor > 0)) throw new RangeError(`scaleFloor must be > 0, got ${scaleFloor}`);
  if (!(dfMin > 0 && dfMax >= dfMin)) throw new RangeError(`df bounds must satisfy 0 < dfMin ≤ dfMax, got [${dfMin}, ${dfMax}]`);
  if (typeof dfModel === 'number' && !(dfModel > 0)) throw new RangeError(`a fixed df must be > 0, got ${dfModel}`);
  const offN = HEADER;
  const offU = HEADER + K;
  const offU1 = HEADER + 2 * K;
  const offU2 = HEADER + 3 * K;
  const offG = HEADER + 4 * K;
  const live = new Int32Array(K);
  const packed = new Float64Array(4 * K);
  const a0 = new Float64Array(K);
  const logA0 = new Float64Array(K);
  const out = new Float64Array(outLength(T_KERNEL, K));
  const offsets = [offN, offU, offU1, offU2, offG];

  /**
   * E_q[log p(x, u | z = k, θ_k)] + H(q(u | x, z = k)), summed over rows with w r: for
   * q(u | x_i, z = k) = Gamma(a, b_ik) at the pass's ν_k (a = (ν_k + 1)/2),
   *   Σ w r E log u = U − N − G + N (ψ(a) − log a)      (as Σ w r log u = U − N − G)
   *   Σ w r H       = N (a − log a + log Γ(a) + (1 − a) ψ(a)) + Σ w r log u
   * and log p(x, u) = −½ log 2πσ² + ½ log u − u (x − μ)²/(2σ²) + (ν/2) log(ν/2) − log Γ(ν/2)
   * + (ν/2 − 1) log u − (ν/2) u. At θ = the pass's own parameters this is Σ w r log f(x | θ_k).
   */
  function componentLogJoint(stats: Float64Array, at: TMixture, theta: TMixture, k: number): number {
    const n = stats[offN + k];
    const u = stats[offU + k];
    const sumLogU = u - n - stats[offG + k];
    const aT = 0.5 * (at.df[k] + 1);
    const psiA = digamma(aT);
    const logAT = Math.log(aT);
    const sumElogU = sumLogU + n * (psiA - logAT);
    const entropy = n * (aT - logAT + lgamma(aT) + (1 - aT) * psiA) + sumLogU;
    const dm = theta.location[k] - at.location[k];
    const quad = Math.max(0, stats[offU2 + k] - 2 * dm * stats[offU1 + k] + dm * dm * u);
    const s2 = theta.scale[k] * theta.scale[k];
    const h = 0.5 * theta.df[k];
    return -0.5 * n * (LOG_2PI + Math.log(s2)) - (0.5 * quad) / s2 + n * (h * Math.log(h) - lgamma(h)) + (h - 0.5) * sumElogU - h * u + entropy;
  }

  const storage = parameterArrays<TMixture>(K, [
    { name: 'location', positive: false },
    { name: 'scale', positive: true, min: scaleFloor },
    { name: 'df', positive: true, min: dfMin, max: dfMax },
  ]);
  const family: ComponentFamily<TMixture> = {
    name: 't',
    k: K,
    parameterNames: ['location', 'scale', 'df'],
    boundNames: ['scale-floor', 'df-min', 'df-max'],
    statsLength: HEADER + 5 * K,
    nParams: 3 * K - 1 + (dfModel === 'each' ? K : dfModel === 'shared' ? 1 : 0),
    freeLength: 4 * K,

    ...storage,

    logDensity: (x, theta, k) => logStudentT(x, theta.location[k], theta.scale[k], theta.df[k]),

    /** The kernel T_KERNEL: one log per row and component. */
    pass(data: Data, theta, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      for (let j = 0; j < m; j++) {
        const k = live[j];
        const nu = theta.df[k];
        packed[j] = theta.location[k];
        packed[m + j] = Math.log(theta.weight[k]) + tLogConstant(theta.scale[k], nu);
        packed[2 * m + j] = 1 / (nu * theta.scale[k] * theta.scale[k]);
        packed[3 * m + j] = 0.5 * (nu + 1);
        a0[j] = (nu + 1) / nu;
        logA0[j] = Math.log1p(1 / nu);
      }
      runKernel(T_KERNEL, m, data.x, data.w, start, end, packed, out);
      tStatistics(out, m, a0, logA0);
      addKernelOutput(T_KERNEL, out, m, live, offsets, stats);
    },

    /** The partition with u = 1 for every row (the ν → ∞ limit): N_k = U_k, G_k = 0. */
    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        const k = labels[i];
        const dk = x[i] - at.location[k];
        stats[offN + k] += wi;
        stats[offU + k] += wi;
        stats[offU1 + k] += wi * dk;
        stats[offU2 + k] += wi * dk * dk;
      }
    },

    mStep(stats, at, next, bounded) {
      const total = weightsFromCounts(stats, offN, next.weight);
      let sharedTarget = 0;
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        bounded[k] = 0;
        if (!(n > 0)) {
          next.location[k] = at.location[k];
          next.scale[k] = at.scale[k];
          next.df[k] = at.df[k];
          continue;
        }
        const u = stats[offU + k];
        const shift = stats[offU1 + k] / u;
        const s2 = Math.max(0, stats[offU2 + k] - shift * stats[offU1 + k]) / n;
        const sd = Math.sqrt(s2);
        if (sd < scaleFloor) bounded[k] |= T_BOUND.scaleFloor;
        const target = stats[offG + k] / n + logMinusDigamma(0.5 * (at.df[k] + 1));
        sharedTarget += (n * target) / total;
        next.location[k] = at.location[k] + shift;
        next.scale[k] = Math.max(scaleFloor, sd);
        if (dfModel === 'each') next.df[k] = 2 * halfDf(target, 0.5 * dfMin, 0.5 * dfMax);
      }
      if (dfModel === 'shared') next.df.fill(2 * halfDf(sharedTarget, 0.5 * dfMin, 0.5 * dfMax));
      if (typeof dfModel === 'number') next.df.fill(dfModel);
      else {
        for (let k = 0; k < K; k++) {
          if (!(stats[offN + k] > 0)) continue;
          if (next.df[k] <= dfMin) bounded[k] |= T_BOUND.dfMin;
          if (next.df[k] >= dfMax) bounded[k] |= T_BOUND.dfMax;
        }
      }
      return 0;
    },

    expectedLogJoint(stats, at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight);
      for (let k = 0; k < K; k++) if (stats[offN + k] > 0) sum += componentLogJoint(stats, at, theta, k);
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    // log π_k, μ_k, log σ_k, log ν_k; ν's coordinates are ignored when ν is fixed, averaged when shared.
    fromFree(u, theta) {
      storage.fromFree(u, theta);
      if (dfModel === 'each') return;
      let mean = 0;
      for (let k = 0; k < K; k++) mean += u[3 * K + k] / K;
      theta.df.fill(typeof dfModel === 'number' ? dfModel : Math.min(dfMax, Math.max(dfMin, Math.exp(mean))));
    },

    checkDomain: (x) => checkSupport(x, 't', () => null),

    /**
     * No E-step precedes a partition, so its M-step takes u = 1 (the Gaussian limit):
     * location and scale are the partition's weighted mean and standard deviation (two
     * passes, centred at the mean), ν is the fixed value or startDf.
     */
    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const theta = family.create();
      theta.df.fill(startDf);
      theta.scale.fill(1);
      const stats = new Float64Array(family.statsLength);
      family.partitionStats(data, labels, theta, stats);
      for (let k = 0; k < K; k++) theta.location[k] = stats[offU1 + k] / stats[offN + k];
      stats.fill(0);
      family.partitionStats(data, labels, theta, stats);
      weightsFromCounts(stats, offN, theta.weight);
      for (let k = 0; k < K; k++) {
        const sd = Math.sqrt(stats[offU2 + k] / stats[offN + k]);
        bounded[k] = sd < scaleFloor ? T_BOUND.scaleFloor : 0;
        theta.scale[k] = Math.max(scaleFloor, sd);
      }
      return theta;
    },

    moments(theta, k) {
      const nu = theta.df[k];
      const s2 = theta.scale[k] * theta.scale[k];
      return { mean: nu > 1 ? theta.location[k] : NaN, variance: nu > 2 ? (s2 * nu) / (nu - 2) : nu > 1 ? Infinity : NaN };
    },
    parameters: (theta, k) => ({ location: theta.location[k], scale: theta.scale[k], df: theta.df[k] }),
  };
  return family;
}
