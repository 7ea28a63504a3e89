/**
 * The univariate Gaussian mixture fitted to coarsened data: each value v stands for the
 * interval (v − h, v + h] of true values that were recorded as v, with h half the grid it was
 * recorded on (see heaping.ts: the coarse grid's for values on it, the resolution's for the
 * rest). The likelihood is that of the intervals,
 *
 *   ℓ_g(θ) = Σ_v W_v log(Σ_k π_k P_vk / 2h_v),   P_vk = Φ((v + h − μ_k)/σ_k) − Φ((v − h − μ_k)/σ_k),
 *
 * the log of the mean density over each value's interval: on the density's scale, so that it
 * is close to the density's ℓ where the intervals are narrow and comparable with it, and
 * bounded by Σ W log(1/2h), so that no component gains by shrinking onto a recorded value
 * (the Σ W log 2h it differs from the probabilities' by is the same for every model). EM treats
 * the true values as missing too (McLachlan and Jones 1988, "Fitting mixture models to
 * grouped and truncated data via the EM algorithm", Biometrics 44, 571–578): the E-step gives
 * r_vk ∝ π_k P_vk and the moments of the normal truncated to the interval,
 *
 *   E[x − μ | v, k] = σ (φ(α) − φ(β))/P,   E[(x − μ)² | v, k] = σ² (1 + (αφ(α) − βφ(β))/P),
 *
 * (α, β the interval's ends standardised), and the M-step is the Gaussian's on these
 * expected statistics, which is why this family shares the Gaussian's statistics layout,
 * M-step, penalty and coordinates (gaussian.ts) and only has a pass of its own. For an
 * interval narrow against σ (2h/σ < NARROW) the moments and P come from their expansions in
 * h/σ, which are exact to double precision there and avoid the cancellation of Φ − Φ.
 *
 * The ELBO: with q(x | v, k) the truncated normal, H(q) adds Σ W r (log P − E log φ) to the
 * classification entropy, so the pass also sums EXTRA = Σ W r (E[log φ_k(x)] − log P_vk) +
 * Σ W log 2h, and expectedLogJoint returns E_q[log p(x, z | θ)] − EXTRA; at θ of the pass,
 * ELBO = ℓ_g.
 */
import { type Data, type Family, HEADER, LOGLIK, RLOGR } from './family.js';
import { type GaussianMixture, type GaussianOptions, gaussianFamily } from './gaussian.js';
import { onGrid } from './heaping.js';
import { logInterval, logPhiDensity } from './normal.js';

/** How values were coarsened: δ everywhere, Δ on the heap grid (see heaping.ts). */
export interface Coarsening {
  /** δ, the resolution. */
  step: number;
  /** Δ, the coarse grid of heaped values, or null when there is none. */
  grid: number | null;
}

export interface GroupedOptions extends GaussianOptions {
  coarsening: Coarsening;
}

/** Below this 2h/σ, P and the moments come from their expansions (error O((2h/σ)⁴)). */
const NARROW = 1e-3;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Half the width of the interval a value stands for. */
export function halfWidth(x: number, coarsening: Coarsening): number {
  const { step, grid } = coarsening;
  return grid !== null && onGrid(x, grid, step) ? grid / 2 : step / 2;
}

/**
 * log P, E[x − μ] and E[(x − μ)²] of N(μ, σ²) truncated to (v − h, v + h], into out[0..2].
 */
export function truncatedMoments(v: number, h: number, mu: number, sigma: number, out: Float64Array): void {
  const z = (v - mu) / sigma;
  const width = (2 * h) / sigma;
  if (width < NARROW) {
    // P = (2h/σ) φ(z) (1 + (z² − 1) w²/24 + …), E[u] = −z h²/(3σ), E[u²] = h²/3 (u = x − v).
    out[0] = Math.log(width) + logPhiDensity(z) + Math.log1p(((z * z - 1) * width * width) / 24);
    const h2 = (h * h) / 3;
    out[1] = sigma * z - (z * h2) / sigma;
    out[2] = sigma * sigma * z * z + h2 * (1 - 2 * z * z);
    return;
  }
  const a = z - width / 2;
  const b = z + width / 2;
  const logP = logInterval(a, b);
  const ra = Math.exp(logPhiDensity(a) - logP);
  const rb = Math.exp(logPhiDensity(b) - logP);
  out[0] = logP;
  out[1] = sigma * (ra - rb);
  out[2] = sigma * sigma * (1 + a * ra - b * rb);
}

export function groupedGaussianFamily(options: GroupedOptions): Family<GaussianMixture> {
  const inner = gaussianFamily(options);
  const K = inner.k;
  const { coarsening } = options;
  const EXTRA = inner.statsLength;
  const offN = HEADER;
  const offS1 = HEADER + K;
  const offS2 = HEADER + 2 * K;
  const moments = new Float64Array(3);
  const a = new Float64Array(K);
  const m1 = new Float64Array(K);
  const m2 = new Float64Array(K);
  const sd = new Float64Array(K);
  const logWeight = new Float64Array(K);

  /** a_k = log π_k + log P_k and the moments, for row value v; returns log Σ π_k P_k. */
  function row(v: number, theta: GaussianMixture): number {
    const h = halfWidth(v, coarsening);
    let top = -Infinity;
    for (let k = 0; k < K; k++) {
      if (!(theta.weight[k] > 0)) {
        a[k] = -Infinity;
        continue;
      }
      truncatedMoments(v, h, theta.mean[k], sd[k], moments);
      a[k] = logWeight[k] + moments[0];
      m1[k] = moments[1];
      m2[k] = moments[2];
      if (a[k] > top) top = a[k];
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += a[k] === -Infinity ? 0 : Math.exp(a[k] - top);
    return top + Math.log(s);
  }

  const prepare = (theta: GaussianMixture): void => {
    for (let k = 0; k < K; k++) {
      sd[k] = Math.sqrt(theta.variance[k]);
      logWeight[k] = Math.log(theta.weight[k]);
    }
  };

  return {
    ...inner,
    name: 'gaussian-grouped',
    spec: { ...options, family: 'gaussian-grouped' },
    statsLength: inner.statsLength + 1,

    pass(data: Data, theta, stats, start, end) {
      prepare(theta);
      const { x, w } = data;
      let loglik = 0;
      let rlogr = 0;
      let extra = 0;
      for (let i = start; i < end; i++) {
        const wi = w === null ? 1 : w[i];
        if (wi === 0) continue;
        const logL = row(x[i], theta);
        const logWidth = Math.log(2 * halfWidth(x[i], coarsening));
        loglik += wi * (logL - logWidth);
        extra += wi * logWidth;
        for (let k = 0; k < K; k++) {
          if (a[k] === -Infinity) continue;
          const logR = a[k] - logL;
          const r = Math.exp(logR);
          const wr = wi * r;
          stats[offN + k] += wr;
          stats[offS1 + k] += wr * m1[k];
          stats[offS2 + k] += wr * m2[k];
          rlogr += wr * logR;
          // E[log φ_k(x)] − log P_k = −½ log 2πσ² − E[(x − μ)²]/2σ² − log P_k.
          extra += wr * (-HALF_LOG_2PI - Math.log(sd[k]) - m2[k] / (2 * theta.variance[k]) - (a[k] - logWeight[k]));
        }
      }
      stats[LOGLIK] += loglik;
      stats[RLOGR] += rlogr;
      stats[EXTRA] += extra;
    },

    expectedLogJoint(stats, at, theta) {
      return inner.expectedLogJoint(stats, at, theta) - stats[EXTRA];
    },

    posterior(x, theta, start, end, r, logDensity) {
      prepare(theta);
      r.fill(0, 0, (end - start) * K);
      for (let i = start; i < end; i++) {
        const logL = row(x[i], theta);
        for (let k = 0; k < K; k++) if (a[k] !== -Infinity) r[(i - start) * K + k] = Math.exp(a[k] - logL);
        logDensity[i - start] = logL;
      }
    },
  };
}
