/**
 * The gamma family, for positive data:
 *   f(x | α, β) = β^α x^(α−1) e^(−βx) / Γ(α),   x > 0
 * with shape α and rate β (R's dgamma(x, shape, rate)).
 *
 * Statistics after the header, centred at the mean m_k = α_k/β_k of the pass:
 *   N_k  = Σ_i w_i r_ik
 *   S1_k = Σ_i w_i r_ik (x_i − m_k)
 *   SL_k = Σ_i w_i r_ik (log x_i − log m_k)
 * M-step (the weighted maximum-likelihood equations; Choi and Wette, Technometrics 11, 1969):
 *   mean  x̄ = m_k + S1_k/N_k,
 *   s     = log x̄ − mean(log x) = log1p(S1_k/(N_k m_k)) − SL_k/N_k   (≥ 0, Jensen),
 *   α     = the root of log α − ψ(α) = s,   β = α / x̄.
 * Centring makes both terms of s of the size of the component's coefficient of variation c,
 * where uncentred they are of the size of log x̄ while s ≈ c²/2: at x ≈ 1000 ± 0.1 that
 * keeps 9 more digits of s. What remains is the rounding of each log x_i (exp.ts's table
 * log, within 2 ulps), about 2ε·|log x_i| absolute in s: a component with c below about
 * 1e-6 gets its shape to fewer than 16 digits whatever is done with the sums.
 * The root: log α − ψ(α) decreases from +∞ to 0 and lies between 1/(2α) and 1/α, so
 * α ∈ [1/(2s), 1/s]; Newton safeguarded by bisection (solve.ts) from Minka's approximation
 * (3 − s + √((s − 3)² + 24s)) / (12s) ("Estimating a gamma distribution", 2002) reaches it
 * to four ulps, with log α − ψ(α) summed from its series for α ≥ 10 (special.ts), not as
 * a difference. α is held at or below `maxShape` (shapeBound): as s → 0 (a component on one
 * value) α → ∞. The profile log-likelihood is concave in α, so the held value is the
 * constrained maximiser.
 * E_q log p(x, z | θ) = Σ_k N_k [log π_k + α_k log β_k − log Γ(α_k)] + (α_k − 1) Σ w r log x − β_k Σ w r x.
 */
import {
  type ComponentFamily,
  type Data,
  HEADER,
  type MixtureParams,
  checkPartition,
  checkSupport,
  liveComponents,
  outsidePositive,
  parameterArrays,
  weightsFromCounts,
  weightsLogJoint,
} from './component.js';
import { addKernelOutput, type KernelSpec, outLength, runKernel } from './kernel.js';
import { increasingRoot } from './solve.js';
import { lgamma, logMinusDigamma, logMinusDigammaPrime } from './special.js';

/**
 * l = log x (exp.ts's table log), a = log π + α log β − log Γ(α) + (α − 1) l − β x;
 * statistics v, v (x − m), v (l − log m) for the component's mean m = α/β.
 */
export const GAMMA_KERNEL: KernelSpec = {
  name: 'gamma',
  params: ['c', 'shape1', 'rate', 'mean', 'logMean'],
  logX: 'lx',
  row: '',
  rowSums: [],
  density: (n) => `const ${n.v('a')} = ${n.p('c')} + ${n.p('shape1')} * lx - ${n.p('rate')} * xi;`,
  carry: [],
  statCount: 3,
  statistics: (n) => `${n.add(0, n.v('v'))}
    ${n.add(1, `${n.v('v')} * (xi - ${n.p('mean')})`)}
    ${n.add(2, `${n.v('v')} * (lx - ${n.p('logMean')})`)}`,
  wasm: {
    logX: true,
    density: (b, row, p) => ({ a: b.let(b.sub(b.add(p('c'), b.mul(p('shape1'), row.lx)), b.mul(p('rate'), row.x))) }),
    statistics: (b, row, p, v) => [v, b.mul(v, b.sub(row.x, p('mean'))), b.mul(v, b.sub(row.lx, p('logMean')))],
  },
};

export interface GammaMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** α_k > 0, shape (K,), dimensionless. */
  readonly shape: Float64Array;
  /** β_k > 0, shape (K,), in 1/(units of x): component k has mean α_k/β_k. */
  readonly rate: Float64Array;
}

export interface GammaOptions {
  k: number;
  /** Upper bound on every α_k (see shapeBound). */
  maxShape: number;
}

/** Bit of bounded[k] when α_k is held at maxShape. */
export const GAMMA_BOUND = { shapeMax: 1 } as const;

/**
 * 12 (max x / δ)²: a gamma component of mean m has variance m²/α, which stays at or above
 * the Gaussian variance floor δ²/12 for data recorded to δ while α ≤ 12 m²/δ², and m ≤ max x.
 */
export const shapeBound = (resolution: number, largest: number): number => 12 * (largest / resolution) ** 2;

/**
 * The α of the gamma M-step: the root of log α − ψ(α) = s for s = log(mean) − mean(log),
 * within (0, maxShape]; maxShape when s ≤ 1/(2·maxShape), which covers s ≤ 0 (a component
 * on one value, where rounding can make s slightly negative).
 */
export function gammaShape(s: number, maxShape: number): number {
  if (!(s > 0.5 / maxShape)) return maxShape;
  const guess = (3 - s + Math.sqrt((s - 3) * (s - 3) + 24 * s)) / (12 * s);
  return increasingRoot(
    (alpha) => s - logMinusDigamma(alpha),
    (alpha) => -logMinusDigammaPrime(alpha),
    0.5 / s,
    Math.min(1 / s, maxShape),
    guess,
  );
}

export function gammaFamily(options: GammaOptions): ComponentFamily<GammaMixture> {
  const { k: K, maxShape } = options;
  if (!(maxShape > 0)) throw new RangeError(`maxShape must be > 0, got ${maxShape}`);
  const offN = HEADER;
  const offS1 = HEADER + K;
  const offSL = HEADER + 2 * K;
  const live = new Int32Array(K);
  const packed = new Float64Array(5 * K);
  const out = new Float64Array(outLength(GAMMA_KERNEL, K));
  const offsets = [offN, offS1, offSL];

  const family: ComponentFamily<GammaMixture> = {
    name: 'gamma',
    k: K,
    parameterNames: ['shape', 'rate'],
    boundNames: ['shape-max'],
    statsLength: HEADER + 3 * K,
    nParams: 3 * K - 1,
    freeLength: 3 * K,

    ...parameterArrays<GammaMixture>(K, [
      { name: 'shape', positive: true, max: maxShape },
      { name: 'rate', positive: true },
    ]),

    logDensity(x, theta, k) {
      const alpha = theta.shape[k];
      const beta = theta.rate[k];
      return alpha * Math.log(beta) - lgamma(alpha) + (alpha - 1) * Math.log(x) - beta * x;
    },

    /** a_ik = log π_k + α_k log β_k − log Γ(α_k) + (α_k − 1) log x_i − β_k x_i, one log per row (kernel.ts). */
    pass(data: Data, theta, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      for (let j = 0; j < m; j++) {
        const k = live[j];
        const alpha = theta.shape[k];
        const mean = alpha / theta.rate[k];
        packed[j] = Math.log(theta.weight[k]) + alpha * Math.log(theta.rate[k]) - lgamma(alpha);
        packed[m + j] = alpha - 1;
        packed[2 * m + j] = theta.rate[k];
        packed[3 * m + j] = mean;
        packed[4 * m + j] = Math.log(mean);
      }
      runKernel(GAMMA_KERNEL, m, data.x, data.w, start, end, packed, out);
      addKernelOutput(GAMMA_KERNEL, out, m, live, offsets, stats);
    },

    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        const k = labels[i];
        const m = at.shape[k] / at.rate[k];
        stats[offN + k] += wi;
        stats[offS1 + k] += wi * (x[i] - m);
        stats[offSL + k] += wi * (Math.log(x[i]) - Math.log(m));
      }
    },

    mStep(stats, at, next, bounded) {
      weightsFromCounts(stats, offN, next.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        bounded[k] = 0;
        if (!(n > 0)) {
          next.shape[k] = at.shape[k];
          next.rate[k] = at.rate[k];
          continue;
        }
        const m = at.shape[k] / at.rate[k];
        const shift = stats[offS1 + k] / n;
        const s = Math.log1p(shift / m) - stats[offSL + k] / n;
        const alpha = gammaShape(s, maxShape);
        if (alpha === maxShape) bounded[k] = GAMMA_BOUND.shapeMax;
        next.shape[k] = alpha;
        next.rate[k] = alpha / (m + shift);
      }
      return 0;
    },

    expectedLogJoint(stats, at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (!(n > 0)) continue;
        const m = at.shape[k] / at.rate[k];
        const alpha = theta.shape[k];
        const beta = theta.rate[k];
        const sumLog = stats[offSL + k] + n * Math.log(m);
        const sumX = stats[offS1 + k] + n * m;
        sum += n * (alpha * Math.log(beta) - lgamma(alpha)) + (alpha - 1) * sumLog - beta * sumX;
      }
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    checkDomain: (x) => checkSupport(x, 'gamma', outsidePositive),

    /** Two passes: the partition's mean is the centre of its statistics. */
    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const theta = family.create();
      const stats = new Float64Array(family.statsLength);
      const { x, w } = data;
      const n = new Float64Array(K);
      const sx = new Float64Array(K);
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        n[labels[i]] += wi;
        sx[labels[i]] += wi * x[i];
      }
      // Shape 1 and rate 1/mean put the centre m_k = α/β at the partition's mean.
      for (let k = 0; k < K; k++) {
        theta.shape[k] = 1;
        theta.rate[k] = n[k] / sx[k];
      }
      family.partitionStats(data, labels, theta, stats);
      family.mStep(stats, theta, theta, bounded);
      return theta;
    },

    moments: (theta, k) => ({ mean: theta.shape[k] / theta.rate[k], variance: theta.shape[k] / (theta.rate[k] * theta.rate[k]) }),
    parameters: (theta, k) => ({ shape: theta.shape[k], rate: theta.rate[k] }),
  };
  return family;
}
