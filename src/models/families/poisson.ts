/**
 * The Poisson family, for counts: f(x | λ) = λ^x e^(−λ) / x!, x = 0, 1, 2, …
 * (R's dpois(x, lambda)). A probability, not a density: its likelihoods compare only with
 * those of other count families.
 *
 * Statistics after the header (an exponential family: Σ x is sufficient):
 *   C   = Σ_i w_i log x_i!            (one scalar: it does not depend on r, as Σ_k r_ik = 1)
 *   N_k = Σ_i w_i r_ik,   S_k = Σ_i w_i r_ik x_i      (K each)
 * Sums of non-negative terms, so there is nothing to centre.
 * M-step: λ_k = S_k / N_k, held at or above LAMBDA_MIN (a component on zeros alone would
 * have λ = 0 and log λ = −∞). E_q log p(x, z | θ) = Σ_k [N_k log π_k + S_k log λ_k − N_k λ_k] − C.
 */
import {
  type ComponentFamily,
  type Data,
  HEADER,
  LOGLIK,
  type MixtureParams,
  checkPartition,
  checkSupport,
  liveComponents,
  parameterArrays,
  weightsFromCounts,
  weightsLogJoint,
} from './component.js';
import { addKernelOutput, type KernelSpec, outLength, runKernel } from './kernel.js';
import { FACTORIAL_TABLE, LOG_FACTORIAL, lgamma, logFactorial, logPoissonPmf } from './special.js';

/** a = log π − λ + x log λ (0 log λ = 0 even for λ = 0); statistics v and v x; the row sum log x!. */
export const POISSON_KERNEL: KernelSpec = {
  name: 'poisson',
  params: ['c', 'logLambda'],
  row: `const lf = xi <= ${FACTORIAL_TABLE} ? LOG_FACTORIAL[xi] : lgamma(xi + 1);`,
  rowSums: ['lf'],
  density: (n) => `const ${n.v('a')} = ${n.p('c')} + (xi === 0 ? 0 : xi * ${n.p('logLambda')});`,
  carry: [],
  statCount: 2,
  statistics: (n) => `${n.add(0, n.v('v'))}\n${n.add(1, `${n.v('v')} * xi`)}`,
  bindings: { LOG_FACTORIAL, lgamma },
  wasm: {
    logFactorial: true,
    rowSums: (_b, row) => [row.logFactorial],
    // x log λ, and 0 at x = 0 (as the JavaScript's xi === 0 ? 0 : …).
    density: (b, row, p) => ({
      a: b.let(b.add(p('c'), (c) => {
        b.emit(b.mul(row.x, p('logLambda')));
        b.emit(row.x);
        c.f64x2Const(0).f64x2Eq().v128Not().v128And();
      })),
    }),
    statistics: (b, row, _p, v) => [v, b.mul(v, row.x)],
  },
};

export interface PoissonMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** λ_k > 0, shape (K,): the mean (and variance) of component k. */
  readonly lambda: Float64Array;
}

/** The smallest λ: exp(−λ) = 1 to the last bit, and x log λ stays finite. */
export const LAMBDA_MIN = 1e-300;

/** Bit of bounded[k] when λ_k is held at LAMBDA_MIN. */
export const POISSON_BOUND = { lambdaMin: 1 } as const;

export function poissonFamily(options: { k: number }): ComponentFamily<PoissonMixture> {
  const K = options.k;
  const offC = HEADER;
  const offN = HEADER + 1;
  const offS = HEADER + 1 + K;
  const live = new Int32Array(K);
  const packed = new Float64Array(2 * K);
  const out = new Float64Array(outLength(POISSON_KERNEL, K));
  const offsets = [offN, offS];

  const family: ComponentFamily<PoissonMixture> = {
    name: 'poisson',
    k: K,
    parameterNames: ['lambda'],
    boundNames: ['lambda-min'],
    statsLength: HEADER + 1 + 2 * K,
    nParams: 2 * K - 1,
    freeLength: 2 * K,

    ...parameterArrays<PoissonMixture>(K, [{ name: 'lambda', positive: true, min: LAMBDA_MIN }]),

    logDensity: (x, theta, k) => logPoissonPmf(x, theta.lambda[k]),

    /** a_ik = log π_k + x_i log λ_k − λ_k, and log x_i! once per row, outside the sum over k (kernel.ts). */
    pass(data: Data, theta, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      for (let j = 0; j < m; j++) {
        const k = live[j];
        packed[j] = Math.log(theta.weight[k]) - theta.lambda[k];
        packed[m + j] = Math.log(theta.lambda[k]);
      }
      runKernel(POISSON_KERNEL, m, data.x, data.w, start, end, packed, out);
      addKernelOutput(POISSON_KERNEL, out, m, live, offsets, stats);
      stats[LOGLIK] -= out[3];
      stats[offC] += out[3];
    },

    partitionStats(data, labels, _at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        stats[offC] += wi * logFactorial(x[i]);
        stats[offN + labels[i]] += wi;
        stats[offS + labels[i]] += wi * x[i];
      }
    },

    mStep(stats, at, next, bounded) {
      weightsFromCounts(stats, offN, next.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        bounded[k] = 0;
        if (!(n > 0)) {
          next.lambda[k] = at.lambda[k];
          continue;
        }
        const lambda = stats[offS + k] / n;
        if (lambda < LAMBDA_MIN) bounded[k] = POISSON_BOUND.lambdaMin;
        next.lambda[k] = Math.max(LAMBDA_MIN, lambda);
      }
      return 0;
    },

    expectedLogJoint(stats, _at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight) - stats[offC];
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (n > 0) sum += stats[offS + k] * Math.log(theta.lambda[k]) - n * theta.lambda[k];
      }
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    checkDomain: (x) => checkSupport(x, 'poisson', (v) => (v < 0 ? 'is negative' : Number.isInteger(v) ? null : 'is not an integer count')),

    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const stats = new Float64Array(family.statsLength);
      const theta = family.create();
      family.partitionStats(data, labels, theta, stats);
      family.mStep(stats, theta, theta, bounded);
      return theta;
    },

    moments: (theta, k) => ({ mean: theta.lambda[k], variance: theta.lambda[k] }),
    parameters: (theta, k) => ({ lambda: theta.lambda[k] }),
  };
  return family;
}
