/**
 * The covariance M-step of a d-dimensional Gaussian mixture, for each of mclust's fourteen
 * covariance models (models.ts): given per component the weight N_k = Σ_i w_i r_ik and the
 * weighted scatter W_k = Σ_i w_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ about the new mean μ_k, it returns
 * the Σ_1 … Σ_K that maximise
 *   Q = Σ_k [−½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k)]
 * under the model's constraint (Celeux and Govaert, Pattern Recognition 28, 781–793, 1995)
 * and the variance floor, with each Σ_k's Cholesky factor and log-determinant for the E-step.
 *
 * The caller computes W_k from statistics centred at the current means (the shifted-data
 * algorithm of gaussian.ts: W_k = S2_k − S1_k S1_kᵀ / N_k about the pass's centre), so that data
 * offset by 1e9 lose no precision; nothing here depends on where the data sit.
 *
 * Closed forms: EII, VII, EEI, EVI, VVI (diagonal.ts), EEE, EEV, EVV, VVV (general.ts).
 * Inner iterations to a fixed point: VEI (diagonal.ts), VEE, VEV (general.ts), EVE, VVE
 * (common-axes.ts). README.md has every formula, the floor's meaning per model, and the
 * reference values the tests match.
 */
import { fitError } from '../../errors.js';
import { eve, vve } from './common-axes.js';
import { eei, eii, evi, vei, vii, vvi } from './diagonal.js';
import { eee, eev, evv, vee, vev, vvv } from './general.js';
import { cholesky, choleskyInverse, choleskyLogDet } from './linalg.js';
import type { CovarianceModel } from './models.js';
import { heaviest, type Problem, type Solution } from './problem.js';

export interface ScatterStatistics {
  /** Dimension d ≥ 1. */
  readonly d: number;
  /** Number of components K ≥ 1. */
  readonly k: number;
  /** N_k = Σ_i w_i r_ik, shape (K,); components with N_k = 0 are allowed (see `covarianceMStep`). */
  readonly weight: Float64Array;
  /** W_k = Σ_i w_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ, shape (K, d, d), row-major, in squared data units. */
  readonly scatter: Float64Array;
}

export interface CovarianceOptions {
  /**
   * The variance floor f_j > 0 of each column, shape (d,): from each column's recording
   * resolution δ_j, f_j = δ_j²/12 (src/models/floor.ts). null: no floor (then a singular
   * scatter gives a singular Σ_k, which is an error).
   */
  floor?: Float64Array | null;
  /** Σ_k before this M-step, shape (K, d, d): where the iterative models start. */
  previous?: Float64Array | null;
  /** Inner iterations stop when no parameter moves by more than this, relatively. Default 1e-13. */
  tolerance?: number;
  /** Inner iterations (sweeps for EVE and VVE) at most. Default 10 000. */
  maxIterations?: number;
}

export interface CovarianceFit {
  /** Σ_k, shape (K, d, d), row-major, symmetric. */
  readonly sigma: Float64Array;
  /** L_k with Σ_k = L_k L_kᵀ, lower-triangular, shape (K, d, d). */
  readonly cholesky: Float64Array;
  /** log|Σ_k|, shape (K,). */
  readonly logDet: Float64Array;
  /** 1 where the floor binds on component k, shape (K,). */
  readonly floored: Uint8Array;
  /** Q at the returned Σ_k. */
  readonly objective: number;
  /** Inner iterations (0 for a closed form; sweeps over all planes for EVE and VVE). */
  readonly iterations: number;
  /** False when the inner iterations stopped at maxIterations. */
  readonly converged: boolean;
}

const SOLVERS: Record<CovarianceModel, (p: Problem) => Solution> = {
  EII: eii,
  VII: vii,
  EEI: eei,
  VEI: vei,
  EVI: evi,
  VVI: vvi,
  EEE: eee,
  VEE: vee,
  EVE: eve,
  VVE: vve,
  EEV: eev,
  VEV: vev,
  EVV: evv,
  VVV: vvv,
};

/** Models whose floor is not the exact constrained maximum over their axes: see `covarianceMStep`. */
const AXES_CHANGE = new Set<CovarianceModel>(['EEV', 'VEV']);

/**
 * The M-step for the covariances of `model` (see the module comment).
 *
 * Components with N_k = 0 take no part (the constraint is on the others) and receive the Σ of
 * the heaviest component, which satisfies every model's constraint and the floor.
 *
 * EEV and VEV take their axes from the eigenvectors of W_k. Without a floor, or when it does not
 * bind, that is the maximum; when it binds, the floor along those axes may score lower than the
 * previous Σ_k along theirs, and then the previous Σ_k are returned (every component reported as
 * floored), so that Q never decreases. This assumes `previous` came from this M-step with the
 * same floor, as in EM.
 *
 * Throws a fit error (exit 4) when a Σ_k is not positive definite, which a floor prevents.
 */
export function covarianceMStep(model: CovarianceModel, stats: ScatterStatistics, options: CovarianceOptions = {}): CovarianceFit {
  const { d, k, weight, scatter } = stats;
  const dd = d * d;
  const floor = options.floor ?? null;
  const previous = options.previous ?? null;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(k) && k >= 1)) throw new RangeError(`d and K must be positive integers, got d = ${d}, K = ${k}`);
  if (weight.length !== k || scatter.length !== k * dd) throw new RangeError(`expected ${k} weights and ${k} scatter matrices of ${d} × ${d}`);
  if (floor !== null && (floor.length !== d || !floor.every((f) => f > 0 && f < Infinity))) throw new RangeError('the floor needs d finite values > 0');
  if (previous !== null && previous.length !== k * dd) throw new RangeError(`expected ${k} previous covariance matrices of ${d} × ${d}`);

  const live: number[] = [];
  for (let c = 0; c < k; c++) if (weight[c] > 0) live.push(c);
  if (live.length === 0) throw new RangeError('every component has weight 0');
  const m = live.length;
  const liveWeight = Float64Array.from(live, (c) => weight[c]);
  const liveScatter = new Float64Array(m * dd);
  const livePrevious = previous === null ? null : new Float64Array(m * dd);
  live.forEach((c, h) => {
    liveScatter.set(scatter.subarray(c * dd, (c + 1) * dd), h * dd);
    if (previous !== null) livePrevious?.set(previous.subarray(c * dd, (c + 1) * dd), h * dd);
  });
  const problem: Problem = {
    d,
    k: m,
    weight: liveWeight,
    scatter: liveScatter,
    total: liveWeight.reduce((a, b) => a + b, 0),
    floor,
    previous: livePrevious,
    tolerance: options.tolerance ?? 1e-13,
    maxIterations: options.maxIterations ?? 10_000,
    sigma: new Float64Array(m * dd),
    floored: new Uint8Array(m),
  };
  const solution = SOLVERS[model](problem);
  let liveSigma = problem.sigma;
  let liveFloored = problem.floored;
  if (AXES_CHANGE.has(model) && livePrevious !== null && liveFloored.some((f) => f === 1)) {
    const before = covarianceObjective(d, m, liveWeight, liveScatter, livePrevious);
    if (before > covarianceObjective(d, m, liveWeight, liveScatter, liveSigma)) {
      liveSigma = livePrevious;
      liveFloored = new Uint8Array(m).fill(1);
    }
  }

  const sigma = new Float64Array(k * dd);
  const floored = new Uint8Array(k);
  const top = live[heaviest(liveWeight, m)];
  live.forEach((c, h) => {
    sigma.set(liveSigma.subarray(h * dd, (h + 1) * dd), c * dd);
    floored[c] = liveFloored[h];
  });
  for (let c = 0; c < k; c++) if (!(weight[c] > 0)) sigma.copyWithin(c * dd, top * dd, (top + 1) * dd);

  const factor = new Float64Array(k * dd);
  const logDet = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    if (!cholesky(d, sigma, factor, c * dd, c * dd)) {
      throw fitError(`the ${model} covariance of component ${c + 1} is not positive definite (its scatter is singular and no floor holds it)`);
    }
    logDet[c] = choleskyLogDet(d, factor, c * dd);
  }
  return {
    sigma,
    cholesky: factor,
    logDet,
    floored,
    objective: covarianceObjective(d, m, liveWeight, liveScatter, liveSigma),
    iterations: solution.iterations,
    converged: solution.converged,
  };
}

/**
 * Q = Σ_k [−½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k)] for given Σ_k, through their Cholesky factors;
 * −∞ when a Σ_k with N_k > 0 is not positive definite. Shapes as in ScatterStatistics.
 */
export function covarianceObjective(d: number, k: number, weight: Float64Array, scatter: Float64Array, sigma: Float64Array): number {
  const dd = d * d;
  const factor = new Float64Array(dd);
  const inverse = new Float64Array(dd);
  let q = 0;
  for (let c = 0; c < k; c++) {
    if (!(weight[c] > 0)) continue;
    if (!cholesky(d, sigma, factor, c * dd)) return -Infinity;
    choleskyInverse(d, factor, inverse);
    let t = 0;
    for (let e = 0; e < dd; e++) t += inverse[e] * scatter[c * dd + e];
    q -= 0.5 * (weight[c] * choleskyLogDet(d, factor) + t);
  }
  return q;
}
