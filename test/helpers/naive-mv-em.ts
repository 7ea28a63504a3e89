/**
 * A deliberately plain EM for d-dimensional Gaussian mixtures with unconstrained covariances
 * (mclust's VVV, scikit-learn's 'full'), written independently of src/: rows as number[],
 * n × K responsibilities as number[][], separate E-step, M-step and log-likelihood passes,
 * two-pass means and scatters, and its own Cholesky factorisation. It is the straightforward
 * path a fast multivariate engine is checked against; its E-step and statistics also serve the
 * tests of the fourteen covariance M-steps, which supply their own Σ_k.
 */
export interface NaiveMvParams {
  /** π_k. */
  weight: number[];
  /** μ_k, K rows of d. */
  mean: number[][];
  /** Σ_k, K matrices of d rows of d. */
  covariance: number[][][];
}

export interface NaiveMvStatistics {
  /** N_k = Σ_i w_i r_ik. */
  n: number[];
  /** μ_k = Σ_i w_i r_ik x_i / N_k. */
  mean: number[][];
  /** W_k = Σ_i w_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ, about μ_k (second pass). */
  scatter: number[][][];
}

/** The lower-triangular L with L Lᵀ = A; throws when A is not positive definite. */
export function naiveCholesky(a: number[][]): number[][] {
  const d = a.length;
  const l = a.map(() => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let m = 0; m < j; m++) s -= l[i][m] * l[j][m];
      if (i === j) {
        if (!(s > 0)) throw new Error('not positive definite');
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return l;
}

/** log N(x; μ, Σ) = −½ (d log 2π + log|Σ| + ‖L⁻¹(x − μ)‖²). */
export function naiveLogNormal(x: number[], mu: number[], l: number[][]): number {
  const d = x.length;
  const y: number[] = [];
  let q = 0;
  let logDet = 0;
  for (let i = 0; i < d; i++) {
    let s = x[i] - mu[i];
    for (let m = 0; m < i; m++) s -= l[i][m] * y[m];
    y.push(s / l[i][i]);
    q += y[i] * y[i];
    logDet += 2 * Math.log(l[i][i]);
  }
  return -0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
}

/** Responsibilities r_ik and ℓ = Σ_i w_i log Σ_k π_k N(x_i; μ_k, Σ_k), by log-sum-exp. */
export function naiveMvEStep(x: number[][], p: NaiveMvParams, w?: number[]): { tau: number[][]; loglik: number } {
  const factors = p.covariance.map(naiveCholesky);
  let loglik = 0;
  const tau = x.map((xi, i) => {
    const a = p.weight.map((pi, k) => Math.log(pi) + naiveLogNormal(xi, p.mean[k], factors[k]));
    const top = Math.max(...a);
    const e = a.map((v) => Math.exp(v - top));
    const s = e.reduce((u, v) => u + v, 0);
    loglik += (w ? w[i] : 1) * (top + Math.log(s));
    return e.map((v) => v / s);
  });
  return { tau, loglik };
}

/** N_k, μ_k and W_k of responsibilities tau, in two passes (the mean first, then the scatter about it). */
export function naiveMvStatistics(x: number[][], tau: number[][], w?: number[]): NaiveMvStatistics {
  const K = tau[0].length;
  const d = x[0].length;
  const stats: NaiveMvStatistics = { n: [], mean: [], scatter: [] };
  for (let k = 0; k < K; k++) {
    let nk = 0;
    const mu = new Array<number>(d).fill(0);
    x.forEach((xi, i) => {
      const r = (w ? w[i] : 1) * tau[i][k];
      nk += r;
      for (let a = 0; a < d; a++) mu[a] += r * xi[a];
    });
    for (let a = 0; a < d; a++) mu[a] /= nk;
    const s = mu.map(() => new Array<number>(d).fill(0));
    x.forEach((xi, i) => {
      const r = (w ? w[i] : 1) * tau[i][k];
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s[a][b] += r * (xi[a] - mu[a]) * (xi[b] - mu[b]);
    });
    stats.n.push(nk);
    stats.mean.push(mu);
    stats.scatter.push(s);
  }
  return stats;
}

/** The unconstrained M-step: π_k = N_k / n, μ_k, Σ_k = W_k / N_k. */
export function naiveMvMStep(x: number[][], tau: number[][], w?: number[]): NaiveMvParams {
  const s = naiveMvStatistics(x, tau, w);
  const total = s.n.reduce((a, b) => a + b, 0);
  return {
    weight: s.n.map((nk) => nk / total),
    mean: s.mean,
    covariance: s.scatter.map((m, k) => m.map((row) => row.map((v) => v / s.n[k]))),
  };
}

export interface NaiveMvRun {
  params: NaiveMvParams;
  loglik: number;
  iterations: number;
  /** ℓ after each EM step. */
  trace: number[];
}

/**
 * Plain EM for VVV from responsibilities tau (hard or soft): M-step, E-step, repeated until
 * |ℓ(t) − ℓ(t−1)| ≤ rtol |ℓ(t)|. Returns the parameters of the last M-step and ℓ at them.
 */
export function naiveMvEm(x: number[][], tau0: number[][], options: { maxIter: number; rtol: number; w?: number[] }): NaiveMvRun {
  let tau = tau0;
  let loglik = -Infinity;
  const trace: number[] = [];
  let params = naiveMvMStep(x, tau, options.w);
  let t = 0;
  while (t < options.maxIter) {
    params = naiveMvMStep(x, tau, options.w);
    const e = naiveMvEStep(x, params, options.w);
    t++;
    trace.push(e.loglik);
    const done = Math.abs(e.loglik - loglik) <= options.rtol * Math.abs(e.loglik);
    loglik = e.loglik;
    tau = e.tau;
    if (done) break;
  }
  return { params, loglik, iterations: t, trace };
}
