/**
 * Standard errors of a fitted Gaussian mixture from the observed information matrix, the
 * negative Hessian of the log-likelihood at the optimum, computed analytically.
 *
 * Free parameters θ: π_1..π_{K−1} (π_K = 1 − Σ_{j<K} π_j), μ_1..μ_K, and σ²_1..σ²_K
 * (unequal) or one σ² (equal). With f = Σ_k π_k φ_k, r_k = π_k φ_k / f, d_k = x − μ_k,
 * s_k = σ²_k, u_k = d_k/s_k and v_k = d_k²/(2s_k²) − 1/(2s_k), one row contributes
 *   g = ∂ log f/∂θ:  ∂/∂π_j = r_j/π_j − r_K/π_K,  ∂/∂μ_k = r_k u_k,  ∂/∂s_k = r_k v_k,
 *   A = (∂²f/∂θ∂θᵀ)/f, whose non-zero entries are
 *     (π_j, μ_k): δ_jk (r_j/π_j) u_j − δ_kK (r_K/π_K) u_K   (likewise with v for s_k)
 *     (μ_k, μ_k): r_k (u_k² − 1/s_k)
 *     (μ_k, s_k): r_k (u_k v_k − u_k/s_k)
 *     (s_k, s_k): r_k (v_k² − d_k²/s_k³ + 1/(2s_k²)),
 * and ∂² log f/∂θ∂θᵀ = A − g gᵀ. Summed over rows (times w_i) this is the Hessian H; the
 * covariance of θ̂ is (−H)⁻¹ (Louis 1982; McLachlan and Peel 2000, §2.15), the standard
 * errors the roots of its diagonal, and Var(π̂_K) = Σ_{j,l<K} Cov(π̂_j, π̂_l) by the delta method.
 */
import type { Data } from './family.js';
import { gaussianFamily, type GaussianMixture, type VarianceModel } from './gaussian.js';

export interface StandardErrors {
  weight: Float64Array;
  mean: Float64Array;
  /** Per component; all equal (the one shared parameter) under the equal model. */
  variance: Float64Array;
}

/** Rows whose responsibilities are computed at once. */
const BLOCK = 1024;

/** The Hessian of ℓ in the free parameters, p × p, row-major. */
export function logLikelihoodHessian(data: Data, theta: GaussianMixture, model: VarianceModel, floor: number): { hessian: Float64Array; p: number } {
  const K = theta.weight.length;
  const equal = model === 'equal';
  const nS = equal ? 1 : K;
  const p = K - 1 + K + nS;
  const iMu = (k: number): number => K - 1 + k;
  const iS = (k: number): number => K - 1 + K + (equal ? 0 : k);
  const H = new Float64Array(p * p);
  const g = new Float64Array(p);
  const r = new Float64Array(K);
  const u = new Float64Array(K);
  const v = new Float64Array(K);
  const dv = new Float64Array(K);
  const responsibilities = new Float64Array(BLOCK * K);
  const logDensity = new Float64Array(BLOCK);
  const family = gaussianFamily({ k: K, variance: model, floor });
  const add = (i: number, j: number, value: number): void => {
    H[i * p + j] += value;
    if (i !== j) H[j * p + i] += value;
  };
  for (let row = 0; row < data.x.length; row++) {
    if (row % BLOCK === 0) family.posterior(data.x, theta, row, Math.min(data.x.length, row + BLOCK), responsibilities, logDensity);
    const offset = (row % BLOCK) * K;
    for (let k = 0; k < K; k++) r[k] = responsibilities[offset + k];
    const w = data.w === null ? 1 : data.w[row];
    if (w === 0) continue;
    const x = data.x[row];
    for (let k = 0; k < K; k++) {
      const d = x - theta.mean[k];
      const s = theta.variance[k];
      u[k] = d / s;
      v[k] = (d * d) / (2 * s * s) - 1 / (2 * s);
      dv[k] = -(d * d) / (s * s * s) + 1 / (2 * s * s);
    }

    // Gradient of log f.
    g.fill(0);
    const last = r[K - 1] / theta.weight[K - 1];
    for (let j = 0; j < K - 1; j++) g[j] = r[j] / theta.weight[j] - last;
    for (let k = 0; k < K; k++) {
      g[iMu(k)] = r[k] * u[k];
      g[iS(k)] += r[k] * v[k];
    }
    // A = (∂²f)/f, then H += w (A − g gᵀ).
    for (let j = 0; j < K - 1; j++) {
      const own = r[j] / theta.weight[j];
      add(j, iMu(j), w * own * u[j]);
      add(j, iMu(K - 1), -w * last * u[K - 1]);
      add(j, iS(j), w * own * v[j]);
      add(j, iS(K - 1), -w * last * v[K - 1]);
    }
    for (let k = 0; k < K; k++) {
      const s = theta.variance[k];
      add(iMu(k), iMu(k), w * r[k] * (u[k] * u[k] - 1 / s));
      add(iMu(k), iS(k), w * r[k] * (u[k] * v[k] - u[k] / s));
      add(iS(k), iS(k), w * r[k] * (v[k] * v[k] + dv[k]));
    }
    for (let i = 0; i < p; i++) for (let j = i; j < p; j++) add(i, j, -w * g[i] * g[j]);
  }
  return { hessian: H, p };
}

/**
 * The inverse of a symmetric positive definite matrix by Cholesky factorisation, or null
 * when it is not positive definite (to working precision).
 */
export function inverseSpd(a: Float64Array, p: number): Float64Array | null {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j];
      for (let k = 0; k < j; k++) sum -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(sum > 1e-12 * Math.abs(a[i * p + i]))) return null;
        L[i * p + i] = Math.sqrt(sum);
      } else {
        L[i * p + j] = sum / L[j * p + j];
      }
    }
  }
  // Solve L Lᵀ X = I column by column.
  const inv = new Float64Array(p * p);
  const y = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    for (let i = 0; i < p; i++) {
      let sum = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= L[i * p + k] * y[k];
      y[i] = sum / L[i * p + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < p; k++) sum -= L[k * p + i] * inv[k * p + c];
      inv[i * p + c] = sum / L[i * p + i];
    }
  }
  return inv;
}

/**
 * Standard errors at θ, or the reason they cannot be given: a boundary (a vanished
 * component, a variance held at the floor) or an information matrix that is not positive
 * definite (not a maximum, or not identifiable).
 */
export function standardErrors(data: Data, theta: GaussianMixture, model: VarianceModel, floor: number): StandardErrors | string {
  const K = theta.weight.length;
  for (let k = 0; k < K; k++) {
    if (!(theta.weight[k] > 0)) return `component ${k + 1} has weight 0, a boundary of the parameter space`;
    if (theta.variance[k] <= floor) return `a variance is held at the floor, a boundary of the parameter space`;
  }
  const { hessian, p } = logLikelihoodHessian(data, theta, model, floor);
  const information = hessian.map((h) => -h);
  const cov = inverseSpd(information, p);
  if (cov === null) return 'the observed information matrix is not positive definite, so the fit is not at a strict maximum';
  const se = (i: number): number => Math.sqrt(cov[i * p + i]);
  const weight = new Float64Array(K);
  let lastVariance = 0;
  for (let j = 0; j < K - 1; j++) {
    weight[j] = se(j);
    for (let l = 0; l < K - 1; l++) lastVariance += cov[j * p + l];
  }
  weight[K - 1] = Math.sqrt(Math.max(0, lastVariance));
  const mean = Float64Array.from({ length: K }, (_, k) => se(K - 1 + k));
  const variance = Float64Array.from({ length: K }, (_, k) => se(K - 1 + K + (model === 'equal' ? 0 : k)));
  return { weight, mean, variance };
}
