/**
 * The exponential family, for non-negative data: f(x | λ) = λ e^(−λx), x ≥ 0 (R's
 * dexp(x, rate)).
 *
 * Statistics after the header: N_k = Σ_i w_i r_ik and S_k = Σ_i w_i r_ik x_i (K each),
 * sums of non-negative terms (nothing to centre: the support is pinned at 0).
 * M-step: λ_k = N_k / S_k, held at or below `maxRate`: a component on zeros alone has S_k = 0
 * and λ = ∞. The bound from the data's resolution δ is √12/δ (rateBound): the component's
 * variance 1/λ² then stays at or above δ²/12, the Gaussian family's variance floor.
 * E_q log p(x, z | θ) = Σ_k [N_k log π_k + N_k log λ_k − λ_k S_k].
 */
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

/** a = log π + log λ − λ x; statistics v and v x (v = w r). */
export const EXPONENTIAL_KERNEL: KernelSpec = {
  name: 'exponential',
  params: ['c', 'rate'],
  row: '',
  rowSums: [],
  density: (n) => `const ${n.v('a')} = ${n.p('c')} - ${n.p('rate')} * xi;`,
  carry: [],
  statCount: 2,
  statistics: (n) => `${n.add(0, n.v('v'))}\n${n.add(1, `${n.v('v')} * xi`)}`,
  wasm: {
    density: (b, row, p) => ({ a: b.let(b.sub(p('c'), b.mul(p('rate'), row.x))) }),
    statistics: (b, row, _p, v) => [v, b.mul(v, row.x)],
  },
};

export interface ExponentialMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** λ_k > 0, shape (K,), in 1/(units of x): component k has mean 1/λ_k. */
  readonly rate: Float64Array;
}

export interface ExponentialOptions {
  k: number;
  /** Upper bound on every λ_k (see rateBound). */
  maxRate: number;
}

/** Bit of bounded[k] when λ_k is held at maxRate. */
export const EXPONENTIAL_BOUND = { rateMax: 1 } as const;

/** √12/δ: the largest rate whose variance 1/λ² is at least δ²/12, for data recorded to δ. */
export const rateBound = (resolution: number): number => Math.sqrt(12) / resolution;

export function exponentialFamily(options: ExponentialOptions): ComponentFamily<ExponentialMixture> {
  const { k: K, maxRate } = options;
  if (!(maxRate > 0)) throw new RangeError(`maxRate must be > 0, got ${maxRate}`);
  const offN = HEADER;
  const offS = HEADER + K;
  const live = new Int32Array(K);
  const packed = new Float64Array(2 * K);
  const out = new Float64Array(outLength(EXPONENTIAL_KERNEL, K));
  const offsets = [offN, offS];

  const family: ComponentFamily<ExponentialMixture> = {
    name: 'exponential',
    k: K,
    parameterNames: ['rate'],
    boundNames: ['rate-max'],
    statsLength: HEADER + 2 * K,
    nParams: 2 * K - 1,
    freeLength: 2 * K,

    ...parameterArrays<ExponentialMixture>(K, [{ name: 'rate', positive: true, max: maxRate }]),

    logDensity: (x, theta, k) => Math.log(theta.rate[k]) - theta.rate[k] * x,

    /** a_ik = log π_k + log λ_k − λ_k x_i. */
    pass(data: Data, theta, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      for (let j = 0; j < m; j++) {
        const k = live[j];
        packed[j] = Math.log(theta.weight[k]) + Math.log(theta.rate[k]);
        packed[m + j] = theta.rate[k];
      }
      runKernel(EXPONENTIAL_KERNEL, m, data.x, data.w, start, end, packed, out);
      addKernelOutput(EXPONENTIAL_KERNEL, out, m, live, offsets, stats);
    },

    partitionStats(data, labels, _at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
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
          next.rate[k] = at.rate[k];
          continue;
        }
        const s = stats[offS + k];
        const held = !(s * maxRate > n);
        bounded[k] = held ? EXPONENTIAL_BOUND.rateMax : 0;
        next.rate[k] = held ? maxRate : n / s;
      }
      return 0;
    },

    expectedLogJoint(stats, _at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (n > 0) sum += n * Math.log(theta.rate[k]) - theta.rate[k] * stats[offS + k];
      }
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    checkDomain: (x) => checkSupport(x, 'exponential', (v) => (v < 0 ? 'is negative' : null)),

    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const stats = new Float64Array(family.statsLength);
      const theta = family.create();
      family.partitionStats(data, labels, theta, stats);
      family.mStep(stats, theta, theta, bounded);
      return theta;
    },

    moments: (theta, k) => ({ mean: 1 / theta.rate[k], variance: 1 / (theta.rate[k] * theta.rate[k]) }),
    parameters: (theta, k) => ({ rate: theta.rate[k] }),
  };
  return family;
}
