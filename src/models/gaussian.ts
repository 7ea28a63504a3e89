/**
 * The univariate Gaussian family: p(x | θ) = Σ_k π_k N(x; μ_k, σ²_k).
 *
 * Two variance models, as mclust's "V" and "E" (scikit-learn's "full" and "tied" in one
 * dimension): `unequal` (one σ²_k per component, 3K − 1 free parameters) and `equal`
 * (one pooled σ² for all components, 2K free parameters).
 *
 * Every variance is held at or above `floor`: a component that collapses onto a single
 * value would otherwise drive the likelihood to +∞ (see README, "The variance floor").
 */
import { type Data, type Family, type MixtureParams, HEADER, LOGLIK, RLOGR } from './family.js';
import { LOG_2PI } from './exp.js';
import { kernelFor, loopKernel } from './gaussian-kernel.js';

export type VarianceModel = 'unequal' | 'equal';

export interface GaussianMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** μ_k, shape (K,), in the units of x. */
  readonly mean: Float64Array;
  /** σ²_k, shape (K,), in squared units of x; all equal under the `equal` model. */
  readonly variance: Float64Array;
}

/**
 * The penalty of Chen, Tan and Zhang (2008, Statistica Sinica 18, 443–465) on each variance
 * of the unequal model, pen(σ²) = −a_n (S_x/σ² + log(σ²/S_x)): it is 0 at σ² = S_x's scale,
 * tends to −∞ as σ² → 0, so that no component can collapse onto a few values, and keeps the
 * estimator consistent and invariant under x → a·x + b. With it the M-step becomes
 *   σ²_k = (S2_k + 2 a_n S_x) / (N_k + 2 a_n)
 * (the maximiser of −½N_k log σ² − S2_k/(2σ²) + pen(σ²)): S_x acts as 2a_n prior
 * observations of the whole data's spread, which matters for a component on a handful of
 * rows and hardly at all for one on many.
 */
export interface VariancePenalty {
  /** a_n, e.g. n^−1/2 (the authors' recommendation). */
  strength: number;
  /** S_x: the sample variance of the data. */
  scale: number;
}

/**
 * The penalty Chen, Tan and Zhang recommend for `data`: a_n = n^−1/2 with n = Σw (the sample
 * size), and S_x the weighted sample variance (divisor Σw), computed around the mean so
 * that data far from zero lose nothing; never below `floor`, so that a constant column works.
 */
export function defaultPenalty(data: Data, floor: number): VariancePenalty {
  const { x, w } = data;
  let total = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w === null ? 1 : w[i];
    total += wi;
    sum += wi * x[i];
  }
  const mean = sum / total;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (w === null ? 1 : w[i]) * (x[i] - mean) ** 2;
  return { strength: 1 / Math.sqrt(total), scale: Math.max(floor, ss / total) };
}

export interface GaussianOptions {
  k: number;
  variance: VarianceModel;
  /** Lower bound on every σ²_k, > 0. */
  floor: number;
  /** A penalty on the variances of the unequal model, or null for maximum likelihood. */
  penalty?: VariancePenalty | null;
}

/**
 * Statistics layout after the shared header, each block of length K:
 *   N_k  = Σ_i w_i r_ik
 *   S1_k = Σ_i w_i r_ik (x_i − μ_k)
 *   S2_k = Σ_i w_i r_ik (x_i − μ_k)²
 * centred at the μ_k of the pass. The new mean is μ_k + S1_k/N_k and the new variance
 * S2_k/N_k − (S1_k/N_k)², a correction that is small because the centre is close to the new
 * mean: this is the shifted-data algorithm, which avoids the catastrophic cancellation of
 * Σx²/N − (Σx/N)² when the data sit far from zero (x + 1e9 gives the same variances).
 */
export function gaussianFamily(options: GaussianOptions): Family<GaussianMixture> {
  const { k: K, variance: model, floor } = options;
  if (!(floor > 0)) throw new RangeError(`variance floor must be > 0, got ${floor}`);
  // The equal model's likelihood is bounded (one σ² for all components), so it needs no penalty.
  const penalty = model === 'unequal' ? (options.penalty ?? null) : null;
  const prior = penalty === null ? 0 : 2 * penalty.strength;
  const priorSS = penalty === null ? 0 : 2 * penalty.strength * penalty.scale;
  const offN = HEADER;
  const offS1 = HEADER + K;
  const offS2 = HEADER + 2 * K;
  // Σ w log s, which mapFromStats turns into Σ w log max_k r_ik.
  const offMap = HEADER + 3 * K;

  // Scratch for one pass, compacted to the components with π_k > 0: a component of weight 0
  // has log π_k = −∞ and must get r_ik = 0 at every row, including rows far from all others.
  // packed = μ_0..μ_{m−1}, c_0..c_{m−1}, h_0..h_{m−1} for the m live components (the kernel's layout).
  const act = new Int32Array(K);
  const packed = new Float64Array(3 * K);
  const compact = new Float64Array(HEADER + 3 * K);
  const a = new Float64Array(K);
  const e = new Float64Array(K);

  /**
   * Packs μ_k, c_k = log π_k − ½ log(2πσ²_k) and h_k = 1/(2σ²_k) of the live components, so
   * that the log of the k-th weighted density is a_ik = c_k − h_k (x_i − μ_k)². Returns the
   * number m of live components; act[j] is the component of packed slot j.
   */
  function prepare(theta: GaussianMixture): number {
    let m = 0;
    for (let k = 0; k < K; k++) if (theta.weight[k] > 0) act[m++] = k;
    for (let j = 0; j < m; j++) {
      const k = act[j];
      packed[j] = theta.mean[k];
      packed[m + j] = Math.log(theta.weight[k]) - 0.5 * (LOG_2PI + Math.log(theta.variance[k]));
      packed[2 * m + j] = 0.5 / theta.variance[k];
    }
    return m;
  }

  /** The kernel's sums over rows [start, end) into `compact`, for the m live components that prepare packed. */
  function kernelSums(data: Data, m: number, start: number, end: number): void {
    compact.fill(0);
    const generated = kernelFor(m, data.w !== null, end - start);
    if (generated === null) loopKernel(m, data.x, data.w, start, end, packed, compact);
    else generated(data.x, data.w, start, end, packed, compact);
  }

  /** Log-likelihood of the complete data contributed by component k under θ, from stats at `at`. */
  function componentLogJoint(stats: Float64Array, at: GaussianMixture, theta: GaussianMixture, k: number): number {
    const n = stats[offN + k];
    if (!(n > 0)) return 0;
    const d = theta.mean[k] - at.mean[k];
    // Σ_i w_i r_ik (x_i − μ'_k)² expanded around the centre of the pass.
    const q = Math.max(0, stats[offS2 + k] - 2 * d * stats[offS1 + k] + n * d * d);
    const v = theta.variance[k];
    return n * Math.log(theta.weight[k]) - 0.5 * n * (LOG_2PI + Math.log(v)) - (0.5 * q) / v;
  }

  return {
    name: 'gaussian',
    spec: { family: 'gaussian', k: K, variance: model, floor, penalty },
    k: K,
    statsLength: HEADER + 3 * K + 1,
    nParams: model === 'equal' ? 2 * K : 3 * K - 1,

    create: () => ({
      weight: new Float64Array(K),
      mean: new Float64Array(K),
      variance: new Float64Array(K),
    }),

    paramsLength: 3 * K,

    copy(from, to) {
      to.weight.set(from.weight);
      to.mean.set(from.mean);
      to.variance.set(from.variance);
    },

    // Layout: π_0..π_{K−1}, μ_0..μ_{K−1}, σ²_0..σ²_{K−1}.
    toVector(theta, out) {
      out.set(theta.weight, 0);
      out.set(theta.mean, K);
      out.set(theta.variance, 2 * K);
    },

    fromVector(v, theta) {
      theta.weight.set(v.subarray(0, K));
      theta.mean.set(v.subarray(K, 2 * K));
      theta.variance.set(v.subarray(2 * K, 3 * K));
    },

    // Unconstrained: log π_k (−∞ for a vanished component), μ_k, log σ²_k.
    toFree(theta, out) {
      for (let k = 0; k < K; k++) {
        out[k] = Math.log(theta.weight[k]);
        out[K + k] = theta.mean[k];
        out[2 * K + k] = Math.log(theta.variance[k]);
      }
    },

    fromFree(u, theta) {
      let top = -Infinity;
      for (let k = 0; k < K; k++) top = Math.max(top, u[k]);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        theta.weight[k] = Math.exp(u[k] - top);
        sum += theta.weight[k];
      }
      for (let k = 0; k < K; k++) {
        theta.weight[k] /= sum;
        theta.mean[k] = u[K + k];
        theta.variance[k] = Math.max(floor, Math.exp(u[2 * K + k]));
      }
    },

    /** The fused E-step of gaussian-kernel.ts over the live components. */
    pass(data: Data, theta, stats, start, end) {
      const m = prepare(theta);
      kernelSums(data, m, start, end);
      // compact[0] = Σ w top, compact[1] = Σ w log s: ℓ = Σ w (top + log s), and
      // Σ w Σ_j r_j log r_j = Σ_j (c_j N_j − h_j S2_j) − Σ w (top + log s).
      const loglik = compact[0] + compact[1];
      let sumRA = 0;
      for (let j = 0; j < m; j++) {
        const k = act[j];
        const n = compact[HEADER + j];
        const s2 = compact[HEADER + 2 * m + j];
        sumRA += packed[m + j] * n - packed[2 * m + j] * s2;
        stats[offN + k] += n;
        stats[offS1 + k] += compact[HEADER + m + j];
        stats[offS2 + k] += s2;
      }
      stats[LOGLIK] += loglik;
      stats[RLOGR] += sumRA - loglik;
      stats[offMap] += compact[1];
    },

    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        const k = labels[i];
        const d = x[i] - at.mean[k];
        stats[offN + k] += wi;
        stats[offS1 + k] += wi * d;
        stats[offS2 + k] += wi * d * d;
      }
    },

    mStep(stats, at, next, floored) {
      let total = 0;
      for (let k = 0; k < K; k++) total += stats[offN + k];
      let pooled = 0;
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (!(n > 0)) {
          // A component with no mass keeps its place but has weight 0: EM cannot revive it.
          next.weight[k] = 0;
          next.mean[k] = at.mean[k];
          next.variance[k] = at.variance[k];
          continue;
        }
        const shift = stats[offS1 + k] / n;
        const v = Math.max(0, stats[offS2 + k] / n - shift * shift);
        next.weight[k] = n / total;
        next.mean[k] = at.mean[k] + shift;
        next.variance[k] = prior === 0 ? v : (n * v + priorSS) / (n + prior);
        pooled += n * v;
      }
      if (model === 'equal') {
        const v = pooled / total;
        const held = v < floor;
        next.variance.fill(held ? floor : v);
        floored.fill(held ? 1 : 0);
        return;
      }
      for (let k = 0; k < K; k++) {
        const held = next.weight[k] > 0 && next.variance[k] < floor;
        if (held) next.variance[k] = floor;
        floored[k] = held ? 1 : 0;
      }
    },

    penalty(theta) {
      if (penalty === null) return 0;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const ratio = penalty.scale / theta.variance[k];
        sum += ratio - Math.log(ratio);
      }
      return -penalty.strength * sum;
    },

    expectedLogJoint(stats, at, theta) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += componentLogJoint(stats, at, theta, k);
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    /**
     * With r_i,max = e^{top − top}/s_i = 1/s_i (see gaussian-kernel.ts), Σ w log max_k r_ik =
     * −Σ w log s, which the kernel sums: one pass without the responsibilities.
     */
    mapLoglik(data, theta, start, end) {
      kernelSums(data, prepare(theta), start, end);
      return -compact[1];
    },

    mapFromStats: (stats) => -stats[offMap],

    posterior(x, theta, start, end, r, logDensity) {
      const m = prepare(theta);
      r.fill(0, 0, (end - start) * K);
      for (let i = start; i < end; i++) {
        const xi = x[i];
        let amax = -Infinity;
        for (let j = 0; j < m; j++) {
          const d = xi - packed[j];
          a[j] = packed[m + j] - packed[2 * m + j] * d * d;
          if (a[j] > amax) amax = a[j];
        }
        let s = 0;
        for (let j = 0; j < m; j++) {
          // exp(0) = 1 exactly: the largest term's exp skipped, the same bits.
          e[j] = a[j] === amax ? 1 : Math.exp(a[j] - amax);
          s += e[j];
        }
        const row = (i - start) * K;
        for (let j = 0; j < m; j++) r[row + act[j]] = e[j] / s;
        logDensity[i - start] = amax + Math.log(s);
      }
    },
  };
}
