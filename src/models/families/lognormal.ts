/**
 * The log-normal family, for positive data: log x ~ N(μ, σ²), so that
 *   f(x | μ, σ) = exp(−(log x − μ)² / (2σ²)) / (x σ √(2π)),   x > 0
 * (R's dlnorm(x, meanlog, sdlog)): the density of x itself, with the Jacobian 1/x, so that
 * its likelihood compares with the other families' densities of x. A mixture of log-normals
 * is a Gaussian mixture on y = log x whose log-likelihood is lower by Σ_i w_i log x_i.
 *
 * Statistics after the header, with y_i = log x_i and centred at the μ_k of the pass:
 *   J   = Σ_i w_i y_i                       (the Jacobian term: one scalar, r-free)
 *   N_k = Σ_i w_i r_ik
 *   S1_k = Σ_i w_i r_ik (y_i − μ_k),  S2_k = Σ_i w_i r_ik (y_i − μ_k)²
 * M-step: μ'_k = μ_k + S1_k/N_k, σ'²_k = S2_k/N_k − (S1_k/N_k)² (the shifted-data algorithm
 * of gaussian.ts, exact when x is rescaled, i.e. y shifted), σ'_k held at or above
 * `sdlogFloor` (sdlogBound). E_q log p(x, z | θ) is the Gaussian one on y, minus J.
 */
import { LOG_2PI } from '../exp.js';
import {
  type ComponentFamily,
  type Data,
  HEADER,
  LOGLIK,
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

/**
 * y = log x (exp.ts's table log), a = log π − ½ log 2πσ² − (y − μ)²/(2σ²); statistics v,
 * v (y − μ), v (y − μ)²; the row sum y (the Jacobian).
 */
export const LOGNORMAL_KERNEL: KernelSpec = {
  name: 'lognormal',
  params: ['mu', 'c', 'h'],
  logX: 'y',
  row: '',
  rowSums: ['y'],
  density: (n) => `const ${n.v('d')} = y - ${n.p('mu')}, ${n.v('a')} = ${n.p('c')} - ${n.p('h')} * ${n.v('d')} * ${n.v('d')};`,
  carry: ['d'],
  statCount: 3,
  statistics: (n) => `const ${n.v('vd')} = ${n.v('v')} * ${n.v('d')};
    ${n.add(0, n.v('v'))}
    ${n.add(1, n.v('vd'))}
    ${n.add(2, `${n.v('vd')} * ${n.v('d')}`)}`,
  wasm: {
    logX: 'input',
    rowSums: (_b, row) => [row.lx],
    density: (b, row, p) => {
      const d = b.let(b.sub(row.lx, p('mu')));
      return { d, a: b.let(b.sub(p('c'), b.mul(b.mul(p('h'), d), d))) };
    },
    statistics: (b, _row, _p, v, { d }) => {
      const vd = b.let(b.mul(v, d));
      return [v, vd, b.mul(vd, d)];
    },
  },
};

export interface LognormalMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** μ_k, shape (K,): mean of log x in component k. */
  readonly meanlog: Float64Array;
  /** σ_k > 0, shape (K,): standard deviation of log x in component k. */
  readonly sdlog: Float64Array;
}

export interface LognormalOptions {
  k: number;
  /** Lower bound on every σ_k (see sdlogBound). */
  sdlogFloor: number;
}

/** Bit of bounded[k] when σ_k is held at the floor. */
export const LOGNORMAL_BOUND = { sdlogFloor: 1 } as const;

/**
 * δ / (√12 · max x): values recorded to δ are known to ±δ/2, so log x is known to about
 * ±δ/(2x), finest at the largest x; a component whose log-scale spread is below that
 * resolution's standard deviation is a spike on one recorded value, not a log-normal.
 */
export const sdlogBound = (resolution: number, largest: number): number => resolution / (Math.sqrt(12) * largest);

export function lognormalFamily(options: LognormalOptions): ComponentFamily<LognormalMixture> {
  const { k: K, sdlogFloor } = options;
  if (!(sdlogFloor > 0)) throw new RangeError(`sdlogFloor must be > 0, got ${sdlogFloor}`);
  const offJ = HEADER;
  const offN = HEADER + 1;
  const offS1 = HEADER + 1 + K;
  const offS2 = HEADER + 1 + 2 * K;
  const live = new Int32Array(K);
  const packed = new Float64Array(3 * K);
  const out = new Float64Array(outLength(LOGNORMAL_KERNEL, K));
  const offsets = [offN, offS1, offS2];

  const family: ComponentFamily<LognormalMixture> = {
    name: 'lognormal',
    k: K,
    parameterNames: ['meanlog', 'sdlog'],
    boundNames: ['sdlog-floor'],
    statsLength: HEADER + 1 + 3 * K,
    nParams: 3 * K - 1,
    freeLength: 3 * K,

    ...parameterArrays<LognormalMixture>(K, [
      { name: 'meanlog', positive: false },
      { name: 'sdlog', positive: true, min: sdlogFloor },
    ]),

    logDensity(x, theta, k) {
      const y = Math.log(x);
      const z = (y - theta.meanlog[k]) / theta.sdlog[k];
      return -0.5 * LOG_2PI - Math.log(theta.sdlog[k]) - 0.5 * z * z - y;
    },

    /** a_ik = log π_k − ½ log 2πσ²_k − (y_i − μ_k)²/(2σ²_k); the Jacobian −y_i once per row (kernel.ts). */
    pass(data: Data, theta, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      for (let j = 0; j < m; j++) {
        const k = live[j];
        packed[j] = theta.meanlog[k];
        packed[m + j] = Math.log(theta.weight[k]) - 0.5 * LOG_2PI - Math.log(theta.sdlog[k]);
        packed[2 * m + j] = 0.5 / (theta.sdlog[k] * theta.sdlog[k]);
      }
      runKernel(LOGNORMAL_KERNEL, m, data.x, data.w, start, end, packed, out);
      addKernelOutput(LOGNORMAL_KERNEL, out, m, live, offsets, stats);
      stats[LOGLIK] -= out[3];
      stats[offJ] += out[3];
    },

    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        const k = labels[i];
        const y = Math.log(x[i]);
        const dk = y - at.meanlog[k];
        stats[offJ] += wi * y;
        stats[offN + k] += wi;
        stats[offS1 + k] += wi * dk;
        stats[offS2 + k] += wi * dk * dk;
      }
    },

    mStep(stats, at, next, bounded) {
      weightsFromCounts(stats, offN, next.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        bounded[k] = 0;
        if (!(n > 0)) {
          next.meanlog[k] = at.meanlog[k];
          next.sdlog[k] = at.sdlog[k];
          continue;
        }
        const shift = stats[offS1 + k] / n;
        const sd = Math.sqrt(Math.max(0, stats[offS2 + k] / n - shift * shift));
        next.meanlog[k] = at.meanlog[k] + shift;
        if (sd < sdlogFloor) bounded[k] = LOGNORMAL_BOUND.sdlogFloor;
        next.sdlog[k] = Math.max(sdlogFloor, sd);
      }
      return 0;
    },

    expectedLogJoint(stats, at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight) - stats[offJ];
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (!(n > 0)) continue;
        const dk = theta.meanlog[k] - at.meanlog[k];
        // Σ_i w_i r_ik (y_i − μ'_k)², expanded around the centre of the pass.
        const q = Math.max(0, stats[offS2 + k] - 2 * dk * stats[offS1 + k] + n * dk * dk);
        const s2 = theta.sdlog[k] * theta.sdlog[k];
        sum += -0.5 * n * (LOG_2PI + Math.log(s2)) - (0.5 * q) / s2;
      }
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    checkDomain: (x) => checkSupport(x, 'lognormal', outsidePositive),

    /** Two passes: the partition's mean of log x is the centre of its statistics. */
    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const theta = family.create();
      const stats = new Float64Array(family.statsLength);
      family.partitionStats(data, labels, theta, stats);
      for (let k = 0; k < K; k++) theta.meanlog[k] = stats[offS1 + k] / stats[offN + k];
      stats.fill(0);
      family.partitionStats(data, labels, theta, stats);
      family.mStep(stats, theta, theta, bounded);
      return theta;
    },

    moments(theta, k) {
      const s2 = theta.sdlog[k] * theta.sdlog[k];
      return { mean: Math.exp(theta.meanlog[k] + 0.5 * s2), variance: Math.expm1(s2) * Math.exp(2 * theta.meanlog[k] + s2) };
    },
    parameters: (theta, k) => ({ meanlog: theta.meanlog[k], sdlog: theta.sdlog[k] }),
  };
  return family;
}
