/**
 * The d-dimensional Gaussian family: p(x | θ) = Σ_k π_k N(x; μ_k, Σ_k), with Σ_1 … Σ_K under one
 * of mclust's fourteen covariance models (models.ts), for the EM loop of src/em/em.ts.
 *
 * Data: n rows × d columns, row-major, x_ij at x[i·d + j] (Data.d = d).
 *
 * E-step from the Cholesky factors Σ_k = L_k L_kᵀ (kept in θ beside Σ_k):
 *   log π_k N(x_i; μ_k, Σ_k) = log π_k − ½ (d log 2π + log|Σ_k|) − ½ ‖L_k⁻¹ (x_i − μ_k)‖²
 * with log|Σ_k| = 2 Σ_j log (L_k)_jj; L_k⁻¹ is formed once per pass (O(K d³)) and applied to
 * each row as a packed triangular product, into scratch allocated once per family (no
 * allocation per row).
 *
 * Statistics, per component after the shared header, centred at the pass's μ_k (the
 * shifted-data algorithm of ../gaussian.ts, so that data offset by 1e9 fit like data at 0):
 *   N_k  = Σ_i w_i r_ik                                   (1)
 *   S1_k = Σ_i w_i r_ik (x_i − μ_k)                       (d)
 *   S2_k = Σ_i w_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ           (d × d; lower triangle summed, mirrored)
 * The M-step: μ'_k = μ_k + S1_k/N_k, W_k = S2_k − S1_k S1_kᵀ / N_k (the scatter about μ'_k, a
 * small correction because μ_k is close to μ'_k), π'_k = N_k / n, and Σ'_k from the covariance
 * model's M-step (covariance.ts) on (N_k, W_k), started from the current Σ_k.
 */
import { type Codes, type Data, type Family, HEADER, LOGLIK, type MixtureParams, RLOGR, rowCount } from '../family.js';
import { LOG_2PI } from '../exp.js';
import { covarianceMStep } from './covariance.js';
import { cholesky, choleskyInverse, choleskyLogDet } from './linalg.js';
import { mvKernel } from './kernel.js';
import { type CovarianceModel, covarianceParameters } from './models.js';

export interface MvGaussianMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** μ_k, shape (K, d), row-major: μ_kj at mean[k·d + j]. */
  readonly mean: Float64Array;
  /** Σ_k, shape (K, d, d), row-major, symmetric. */
  readonly covariance: Float64Array;
  /** L_k with Σ_k = L_k L_kᵀ, shape (K, d, d): derived from `covariance` (see `factorize`). */
  readonly cholesky: Float64Array;
  /** log|Σ_k|, shape (K,): derived from `covariance`. */
  readonly logDet: Float64Array;
}

export interface MvGaussianOptions {
  k: number;
  /** Columns d ≥ 1. */
  d: number;
  model: CovarianceModel;
  /** The variance floor f_j > 0 of each column, length d (δ_j²/12, see ../floor.ts). */
  floor: readonly number[];
}

/**
 * Recomputes the Cholesky factors and log-determinants of θ from its covariances. Returns
 * false when a Σ_k is not positive definite in floating point.
 */
export function factorize(d: number, theta: MvGaussianMixture): boolean {
  const dd = d * d;
  for (let k = 0; k < theta.weight.length; k++) {
    if (!cholesky(d, theta.covariance, theta.cholesky, k * dd, k * dd)) return false;
    theta.logDet[k] = choleskyLogDet(d, theta.cholesky, k * dd);
  }
  return true;
}

/**
 * M = L⁻¹ of the lower-triangular L (d × d at offset lOff of l) into out (d × d, row-major,
 * upper triangle 0), column by column: m_pp = 1/l_pp, m_pq = −(Σ_{q≤r<p} l_pr m_rq) / l_pp.
 */
function lowerInverse(d: number, l: Float64Array, lOff: number, out: Float64Array): void {
  out.fill(0);
  for (let q = 0; q < d; q++) {
    out[q * d + q] = 1 / l[lOff + q * d + q];
    for (let p = q + 1; p < d; p++) {
      let s = 0;
      for (let r = q; r < p; r++) s += l[lOff + p * d + r] * out[r * d + q];
      out[p * d + q] = -s / l[lOff + p * d + p];
    }
  }
}

/** Rows whose sums of exponentials are multiplied before one log (see `pass`). */
const LOG_EVERY = 32;

export function mvGaussianFamily(options: MvGaussianOptions): Family<MvGaussianMixture> & {
  /** The M-step with an explicit start for the iterated covariance models (null: from scratch). */
  mStepFrom(stats: Float64Array, at: MvGaussianMixture, next: MvGaussianMixture, floored: Uint8Array, previous: Float64Array | null): void;
} {
  const { k: K, d, model } = options;
  const dd = d * d;
  const floor = Float64Array.from(options.floor);
  if (floor.length !== d || !floor.every((f) => f > 0 && f < Infinity)) throw new RangeError(`the floor needs ${d} finite values > 0`);
  const block = 1 + d + dd;
  const offN = (k: number): number => HEADER + k * block;
  const offS1 = (k: number): number => HEADER + k * block + 1;
  const offS2 = (k: number): number => HEADER + k * block + 1 + d;

  // Scratch, allocated once: live components, their constants c_k, per-row log-terms a_k,
  // x_i − μ_k of every live component (K × d), and the forward-solve work vector.
  const act = new Int32Array(K);
  const c = new Float64Array(K);
  const a = new Float64Array(K);
  const e = new Float64Array(K);
  const diff = new Float64Array(K * d);
  // The live components' means (K × d) and L_k⁻¹ packed by rows (lower triangle, K × d(d+1)/2),
  // contiguous: then y = L_k⁻¹ (x_i − μ_k) is a triangular matrix-vector product whose rows are
  // independent, which pipelines better than the forward solve's chain of divisions.
  const tri = (d * (d + 1)) / 2;
  const means = new Float64Array(K * d);
  const inverse = new Float64Array(K * tri);
  const factorWork = new Float64Array(dd);
  // The generated kernel's input (μ, M, c of the m live components) and output (kernel.ts).
  const packed = new Float64Array(K * (d + tri + 1));
  const compact = new Float64Array(HEADER + K * (1 + d + tri));

  /** The live components (π_k > 0) into `act`, their c_k = log π_k − ½(d log 2π + log|Σ_k|) and 1/(L_k)_pp; returns how many. */
  function prepare(theta: MvGaussianMixture): number {
    let m = 0;
    for (let k = 0; k < K; k++) {
      if (!(theta.weight[k] > 0)) continue;
      act[m] = k;
      c[m] = Math.log(theta.weight[k]) - 0.5 * (d * LOG_2PI + theta.logDet[k]);
      for (let p = 0; p < d; p++) means[m * d + p] = theta.mean[k * d + p];
      lowerInverse(d, theta.cholesky, k * dd, factorWork);
      let t = m * tri;
      for (let p = 0; p < d; p++) for (let q = 0; q <= p; q++) inverse[t++] = factorWork[p * d + q];
      m++;
    }
    return m;
  }

  /**
   * a_j = log π_k N(x_i; μ_k, Σ_k) for the m live components (k = act[j]) at row i, with
   * x_i − μ_k into diff; returns max_j a_j.
   */
  function logTerms(x: Float64Array, i: number, m: number): number {
    let top = -Infinity;
    const row = i * d;
    for (let j = 0; j < m; j++) {
      const o = j * d;
      for (let p = 0; p < d; p++) diff[o + p] = x[row + p] - means[o + p];
      let q = 0;
      let t = j * tri;
      for (let p = 0; p < d; p++) {
        let y = 0;
        for (let r = 0; r <= p; r++) y += inverse[t++] * diff[o + r];
        q += y * y;
      }
      a[j] = c[j] - 0.5 * q;
      if (a[j] > top) top = a[j];
    }
    return top;
  }

  /** Σ_i w_i r_ik (x_i − μ'_k)(x_i − μ'_k)ᵀ from stats centred at `at`, into out (d × d). */
  function scatterAbout(stats: Float64Array, at: MvGaussianMixture, theta: MvGaussianMixture, k: number, out: Float64Array): void {
    const n = stats[offN(k)];
    const s1 = offS1(k);
    const s2 = offS2(k);
    for (let p = 0; p < d; p++) {
      const dp = theta.mean[k * d + p] - at.mean[k * d + p];
      for (let q = 0; q < d; q++) {
        const dq = theta.mean[k * d + q] - at.mean[k * d + q];
        out[p * d + q] = stats[s2 + p * d + q] - dp * stats[s1 + q] - stats[s1 + p] * dq + n * dp * dq;
      }
    }
  }

  // The M-step's and expectedLogJoint's scratch, kept between iterations (they run every one).
  const weight = new Float64Array(K);
  const scatter = new Float64Array(K * dd);
  const scatterOne = new Float64Array(dd);
  const inverseOne = new Float64Array(dd);

  function mStepFrom(stats: Float64Array, at: MvGaussianMixture, next: MvGaussianMixture, floored: Uint8Array, previous: Float64Array | null): void {
    weight.fill(0);
    scatter.fill(0);
    let total = 0;
    for (let k = 0; k < K; k++) total += stats[offN(k)];
    for (let k = 0; k < K; k++) {
      const n = stats[offN(k)];
      if (!(n > 0)) {
        // A component with no mass keeps its place with weight 0: EM cannot revive it.
        next.weight[k] = 0;
        for (let p = 0; p < d; p++) next.mean[k * d + p] = at.mean[k * d + p];
        continue;
      }
      weight[k] = n;
      next.weight[k] = n / total;
      const s1 = offS1(k);
      const s2 = offS2(k);
      for (let p = 0; p < d; p++) next.mean[k * d + p] = at.mean[k * d + p] + stats[s1 + p] / n;
      for (let p = 0; p < d; p++) {
        for (let q = 0; q <= p; q++) {
          const v = stats[s2 + p * d + q] - (stats[s1 + p] * stats[s1 + q]) / n;
          scatter[k * dd + p * d + q] = v;
          scatter[k * dd + q * d + p] = v;
        }
      }
    }
    const fit = covarianceMStep(model, { d, k: K, weight, scatter }, { floor, previous });
    next.covariance.set(fit.sigma);
    next.cholesky.set(fit.cholesky);
    next.logDet.set(fit.logDet);
    for (let k = 0; k < K; k++) floored[k] = weight[k] > 0 ? fit.floored[k] : 0;
  }

  const create = (): MvGaussianMixture => ({
    weight: new Float64Array(K),
    mean: new Float64Array(K * d),
    covariance: new Float64Array(K * dd),
    cholesky: new Float64Array(K * dd),
    logDet: new Float64Array(K),
  });

  // Free coordinates for SQUAREM: log π_k, μ_k, and L_k with its diagonal as logarithms: any
  // vector is then a θ with positive-definite Σ_k. The loop's candidate is the M-step from the
  // extrapolated θ, which satisfies the covariance model whatever the extrapolation did.
  const freeLength = K + K * d + K * dd;

  return {
    name: 'mvgaussian',
    spec: { family: 'mvgaussian', k: K, d, model, floor: Array.from(floor) },
    k: K,
    statsLength: HEADER + K * block,
    nParams: K - 1 + K * d + covarianceParameters(model, d, K),
    paramsLength: freeLength,
    create,

    copy(from, to) {
      to.weight.set(from.weight);
      to.mean.set(from.mean);
      to.covariance.set(from.covariance);
      to.cholesky.set(from.cholesky);
      to.logDet.set(from.logDet);
    },

    // Layout: π (K), μ (K·d), Σ (K·d·d); the factors are recomputed on reading.
    toVector(theta, out) {
      out.set(theta.weight, 0);
      out.set(theta.mean, K);
      out.set(theta.covariance, K + K * d);
    },

    fromVector(v, theta) {
      theta.weight.set(v.subarray(0, K));
      theta.mean.set(v.subarray(K, K + K * d));
      theta.covariance.set(v.subarray(K + K * d, K + K * d + K * dd));
      factorize(d, theta);
    },

    toFree(theta, out) {
      for (let k = 0; k < K; k++) out[k] = Math.log(theta.weight[k]);
      out.set(theta.mean, K);
      const o = K + K * d;
      for (let e = 0; e < K * dd; e++) {
        const p = Math.floor((e % dd) / d);
        const q = e % d;
        out[o + e] = p === q ? Math.log(theta.cholesky[e]) : theta.cholesky[e];
      }
    },

    fromFree(u, theta) {
      let top = -Infinity;
      for (let k = 0; k < K; k++) top = Math.max(top, u[k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += theta.weight[k] = Math.exp(u[k] - top);
      for (let k = 0; k < K; k++) theta.weight[k] /= sum;
      theta.mean.set(u.subarray(K, K + K * d));
      const o = K + K * d;
      const L = theta.cholesky;
      for (let e = 0; e < K * dd; e++) {
        const p = Math.floor((e % dd) / d);
        const q = e % d;
        L[e] = p === q ? Math.exp(u[o + e]) : q < p ? u[o + e] : 0;
      }
      // Σ_k = L_k L_kᵀ.
      for (let k = 0; k < K; k++) {
        const lo = k * dd;
        let logDet = 0;
        for (let p = 0; p < d; p++) {
          logDet += 2 * Math.log(L[lo + p * d + p]);
          for (let q = 0; q <= p; q++) {
            let s = 0;
            for (let r = 0; r <= q; r++) s += L[lo + p * d + r] * L[lo + q * d + r];
            theta.covariance[lo + p * d + q] = s;
            theta.covariance[lo + q * d + p] = s;
          }
        }
        theta.logDet[k] = logDet;
      }
    },

    pass(data: Data, theta, stats, start, end) {
      const { x, w } = data;
      const m = prepare(theta);
      const kernel = mvKernel(d, m, w !== null);
      if (kernel !== null) {
        packed.set(means.subarray(0, m * d), 0);
        packed.set(inverse.subarray(0, m * tri), m * d);
        packed.set(c.subarray(0, m), m * d + m * tri);
        compact.fill(0);
        kernel(x, w, start, end, packed, compact);
        for (let j = 0; j < m; j++) {
          const from = HEADER + j * (1 + d + tri);
          const o1 = HEADER + act[j] * block + 1;
          const o2 = o1 + d;
          stats[o1 - 1] += compact[from];
          for (let p = 0; p < d; p++) stats[o1 + p] += compact[from + 1 + p];
          let t = from + 1 + d;
          for (let p = 0; p < d; p++) {
            for (let q = 0; q <= p; q++) {
              const v = stats[o2 + p * d + q] + compact[t++];
              stats[o2 + p * d + q] = v;
              stats[o2 + q * d + p] = v;
            }
          }
        }
        stats[LOGLIK] += compact[0];
        stats[RLOGR] += compact[1] - compact[0];
        return;
      }
      // ℓ = Σ_i w_i (top_i + log s_i) with s_i = Σ_j exp(a_ij − top_i) ∈ [1, K]: without weights the
      // s_i are multiplied over LOG_EVERY rows and their product's log taken once (it stays below
      // K^LOG_EVERY, far from overflow). Σ_i w_i Σ_j r_ij log r_ij = Σ_ij w_i r_ij a_ij − ℓ, since
      // log r_ij = a_ij − log Σ_j exp a_ij and Σ_j r_ij = 1.
      let loglik = 0;
      let product = 1;
      let ra = 0;
      for (let i = start; i < end; i++) {
        const wi = w === null ? 1 : w[i];
        const top = logTerms(x, i, m);
        let s = 0;
        for (let j = 0; j < m; j++) s += e[j] = Math.exp(a[j] - top);
        if (w === null) {
          loglik += top;
          product *= s;
          if ((i - start) % LOG_EVERY === LOG_EVERY - 1) {
            loglik += Math.log(product);
            product = 1;
          }
        } else loglik += wi * (top + Math.log(s));
        const scale = wi / s;
        for (let j = 0; j < m; j++) {
          const wr = scale * e[j];
          if (wr === 0) continue;
          ra += wr * a[j];
          const o1 = HEADER + act[j] * block + 1;
          const o2 = o1 + d;
          stats[o1 - 1] += wr;
          for (let p = 0; p < d; p++) {
            const v = wr * diff[j * d + p];
            stats[o1 + p] += v;
            const row = o2 + p * d;
            for (let q = 0; q <= p; q++) stats[row + q] += v * diff[j * d + q];
          }
        }
      }
      loglik += Math.log(product);
      const rlogr = ra - loglik;
      // Mirror the lower triangles summed above (each chunk's statistics are complete).
      for (let j = 0; j < m; j++) {
        const o2 = offS2(act[j]);
        for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) stats[o2 + p * d + q] = stats[o2 + q * d + p];
      }
      stats[LOGLIK] += loglik;
      stats[RLOGR] += rlogr;
    },

    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      const n = rowCount(data);
      for (let i = 0; i < n; i++) {
        const wi = w === null ? 1 : w[i];
        const k = labels[i];
        const o1 = offS1(k);
        const o2 = offS2(k);
        stats[offN(k)] += wi;
        for (let p = 0; p < d; p++) {
          const v = x[i * d + p] - at.mean[k * d + p];
          stats[o1 + p] += wi * v;
          for (let q = 0; q <= p; q++) stats[o2 + p * d + q] += wi * v * (x[i * d + q] - at.mean[k * d + q]);
        }
      }
      for (let k = 0; k < K; k++) {
        const o2 = offS2(k);
        for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) stats[o2 + p * d + q] = stats[o2 + q * d + p];
      }
    },

    mStep(stats, at, next, floored) {
      mStepFrom(stats, at, next, floored, at.covariance);
    },

    mStepFrom,

    expectedLogJoint(stats, at, theta) {
      const scatter = scatterOne;
      const inverse = inverseOne;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const n = stats[offN(k)];
        if (!(n > 0)) continue;
        scatterAbout(stats, at, theta, k, scatter);
        choleskyInverse(d, theta.cholesky, inverse, k * dd);
        let t = 0;
        for (let e = 0; e < dd; e++) t += inverse[e] * scatter[e];
        sum += n * Math.log(theta.weight[k]) - 0.5 * n * (d * LOG_2PI + theta.logDet[k]) - 0.5 * t;
      }
      return sum;
    },

    penalty: () => 0,

    componentWeight: (stats, k) => stats[offN(k)],

    posterior(x, theta, start, end, r, logDensity) {
      const m = prepare(theta);
      r.fill(0, 0, (end - start) * K);
      for (let i = start; i < end; i++) {
        const top = logTerms(x, i, m);
        let s = 0;
        for (let j = 0; j < m; j++) s += e[j] = Math.exp(a[j] - top);
        const row = (i - start) * K;
        for (let j = 0; j < m; j++) r[row + act[j]] = e[j] / s;
        logDensity[i - start] = top + Math.log(s);
      }
    },
  };
}

/**
 * θ(0) from a hard partition (codes[i] the component of row i, each with rows of positive
 * weight): the M-step on the partition's statistics, centred at each label's first row, with
 * the iterated covariance models started from scratch. floored[k] = 1 where the floor binds.
 */
export function mvStartFromPartition(options: MvGaussianOptions, data: Data, codes: Codes): { theta: MvGaussianMixture; floored: Uint8Array } {
  const { k: K, d } = options;
  const family = mvGaussianFamily(options);
  const centre = family.create();
  const seen = new Uint8Array(K);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (seen[k]) continue;
    seen[k] = 1;
    for (let p = 0; p < d; p++) centre.mean[k * d + p] = data.x[i * d + p];
  }
  const stats = new Float64Array(family.statsLength);
  family.partitionStats(data, codes, centre, stats);
  const theta = family.create();
  const floored = new Uint8Array(K);
  family.mStepFrom(stats, centre, theta, floored, null);
  return { theta, floored };
}
