/**
 * The univariate Gaussian mixture fitted to coarsened data: each value v stands for the
 * interval (v − h, v + h] of true values that were recorded as v, with h half the grid it was
 * recorded on (see heaping.ts: the coarse grid's for values on it, the resolution's for the
 * rest). The likelihood is that of the intervals,
 *
 *   ℓ_g(θ) = Σ_v W_v log(Σ_k π_k P_vk / δ),   P_vk = Φ((v + h − μ_k)/σ_k) − Φ((v − h − μ_k)/σ_k),
 *
 * (with a heap grid, P_vk also weighs the grids, see groupedGaussianFamily): the log of each
 * value's probability per unit of resolution δ, on the density's scale, so that it is close
 * to the density's ℓ where the intervals are narrow and comparable with it, and bounded by
 * −Σ W log δ, so that no component gains by shrinking onto a recorded value (the Σ W log δ
 * it differs from the probabilities' by is the same for every model). EM treats
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
 * Σ W log δ, and expectedLogJoint returns E_q[log p(x, z | θ)] − EXTRA; at θ of the pass,
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
  /** p for a start that carries none: the heap's excess share of the values (see heaping.ts). */
  startHeap?: number;
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

/** The parameters of a mixture fitted to coarsened data: the Gaussian's and p, the share of heaped values. */
export interface GroupedMixture extends GaussianMixture {
  /** [p]: the probability that a value was recorded on the heap grid (0 without one). */
  readonly heap: Float64Array;
}

/**
 * With a heap grid the recording is part of the model (Heitjan and Rubin 1990, "Inference
 * from coarse data via multiple imputation with application to age heaping", JASA 85,
 * 304–314): each value was recorded on the coarse grid with probability p, else on the
 * fine one, so a value g on the coarse grid has probability
 *   Σ_k π_k [p P_k(g ± Δ/2) + (1 − p) P_k(g ± δ/2)]
 * and any other value v, Σ_k π_k (1 − p) P_k(v ± δ/2). These add up to 1 over every value
 * that can be recorded, which taking the grid's values as coarse intervals alone would not:
 * the fine values that fell on the grid would leave a hole there that a comb of narrow
 * components fits. EM treats (component, grid) as missing: p is the expected share of heaped
 * values, and the moments of each component come from the interval of each grid.
 */
export function groupedGaussianFamily(options: GroupedOptions): Family<GroupedMixture> {
  const inner = gaussianFamily(options);
  const K = inner.k;
  const { coarsening } = options;
  const heaped = coarsening.grid !== null;
  const EXTRA = inner.statsLength;
  const HEAPED = inner.statsLength + 1;
  const offN = HEADER;
  const offS1 = HEADER + K;
  const offS2 = HEADER + 2 * K;
  const moments = new Float64Array(3);
  // Slots 0..K−1: the fine grid; K..2K−1: the heap grid.
  const a = new Float64Array(2 * K);
  const m1 = new Float64Array(2 * K);
  const m2 = new Float64Array(2 * K);
  const logP = new Float64Array(2 * K);
  const sd = new Float64Array(K);
  const logWeight = new Float64Array(K);
  let logFine = 0;
  let logHeap = -Infinity;
  const logStep = Math.log(coarsening.step);

  /** The log-weights a of (component, grid) for value v; returns log Σ exp(a) (slots of a grid that cannot hold v are −∞). */
  function row(v: number, theta: GaussianMixture): number {
    const onHeap = heaped && onGrid(v, coarsening.grid as number, coarsening.step);
    let top = -Infinity;
    for (let slot = 0; slot < 2 * K; slot++) {
      const k = slot < K ? slot : slot - K;
      const heap = slot >= K;
      if (!(theta.weight[k] > 0) || (heap && !onHeap)) {
        a[slot] = -Infinity;
        continue;
      }
      truncatedMoments(v, heap ? (coarsening.grid as number) / 2 : coarsening.step / 2, theta.mean[k], sd[k], moments);
      logP[slot] = moments[0];
      a[slot] = logWeight[k] + (heap ? logHeap : logFine) + moments[0];
      m1[slot] = moments[1];
      m2[slot] = moments[2];
      if (a[slot] > top) top = a[slot];
    }
    let s = 0;
    for (let slot = 0; slot < 2 * K; slot++) s += a[slot] === -Infinity ? 0 : Math.exp(a[slot] - top);
    return top + Math.log(s);
  }

  const prepare = (theta: GroupedMixture): void => {
    for (let k = 0; k < K; k++) {
      sd[k] = Math.sqrt(theta.variance[k]);
      logWeight[k] = Math.log(theta.weight[k]);
    }
    logFine = heaped ? Math.log1p(-theta.heap[0]) : 0;
    logHeap = heaped ? Math.log(theta.heap[0]) : -Infinity;
  };

  /** p of a start that carries none (a partition's, a model file's): the heap's excess share. */
  const heapOf = (theta: GaussianMixture): number => ('heap' in theta ? (theta as GroupedMixture).heap[0] : heaped ? (coarsening.startHeap ?? 0.1) : 0);

  return {
    ...inner,
    name: 'gaussian-grouped',
    spec: { ...options, family: 'gaussian-grouped' },
    statsLength: inner.statsLength + 2,
    nParams: inner.nParams + (heaped ? 1 : 0),
    paramsLength: inner.paramsLength + 1,
    // Not the density's: this pass sums the coarsened likelihood, and none of it is Σ w log s
    // of the density's responsibilities (the reports take those from the Gaussian's kernel).
    mapLoglik: undefined,
    mapFromStats: undefined,

    create: () => ({ ...inner.create(), heap: new Float64Array(1) }),
    copy(from, to) {
      inner.copy(from, to);
      to.heap[0] = heapOf(from);
    },
    toVector(theta, out) {
      inner.toVector(theta, out);
      out[inner.paramsLength] = theta.heap[0];
    },
    fromVector(v, theta) {
      inner.fromVector(v, theta);
      theta.heap[0] = v[inner.paramsLength];
    },
    // p as its logit; −∞ (held fixed) without a heap grid.
    toFree(theta, out) {
      inner.toFree(theta, out);
      out[inner.paramsLength] = heaped ? Math.log(theta.heap[0] / (1 - theta.heap[0])) : -Infinity;
    },
    fromFree(u, theta) {
      inner.fromFree(u, theta);
      theta.heap[0] = heaped ? 1 / (1 + Math.exp(-u[inner.paramsLength])) : 0;
    },

    pass(data: Data, theta, stats, start, end) {
      prepare(theta);
      const { x, w } = data;
      let loglik = 0;
      let rlogr = 0;
      let extra = 0;
      let heapedWeight = 0;
      for (let i = start; i < end; i++) {
        const wi = w === null ? 1 : w[i];
        if (wi === 0) continue;
        const logL = row(x[i], theta);
        loglik += wi * (logL - logStep);
        extra += wi * logStep;
        for (let slot = 0; slot < 2 * K; slot++) {
          if (a[slot] === -Infinity) continue;
          const k = slot < K ? slot : slot - K;
          const logR = a[slot] - logL;
          const wr = wi * Math.exp(logR);
          stats[offN + k] += wr;
          stats[offS1 + k] += wr * m1[slot];
          stats[offS2 + k] += wr * m2[slot];
          rlogr += wr * logR;
          if (slot >= K) heapedWeight += wr;
          // E[log φ_k(x)] − log P = −½ log 2πσ² − E[(x − μ)²]/2σ² − log P.
          extra += wr * (-HALF_LOG_2PI - Math.log(sd[k]) - m2[slot] / (2 * theta.variance[k]) - logP[slot]);
        }
      }
      stats[LOGLIK] += loglik;
      stats[RLOGR] += rlogr;
      stats[EXTRA] += extra;
      stats[HEAPED] += heapedWeight;
    },

    mStep(stats, at, next, floored) {
      inner.mStep(stats, at, next, floored);
      let total = 0;
      for (let k = 0; k < K; k++) total += stats[offN + k];
      next.heap[0] = heaped ? stats[HEAPED] / total : 0;
    },

    // The recording's part: Σ W r (log p) over heaped slots, Σ W r log(1 − p) over the rest.
    expectedLogJoint(stats, at, theta) {
      let recording = 0;
      if (heaped) {
        let total = 0;
        for (let k = 0; k < K; k++) total += stats[offN + k];
        const h = stats[HEAPED];
        recording = (h > 0 ? h * Math.log(theta.heap[0]) : 0) + (total - h > 0 ? (total - h) * Math.log1p(-theta.heap[0]) : 0);
      }
      return inner.expectedLogJoint(stats, at, theta) - stats[EXTRA] + recording;
    },

    posterior(x, theta, start, end, r, logDensity) {
      prepare(theta);
      r.fill(0, 0, (end - start) * K);
      for (let i = start; i < end; i++) {
        const logL = row(x[i], theta);
        for (let slot = 0; slot < 2 * K; slot++) if (a[slot] !== -Infinity) r[(i - start) * K + (slot < K ? slot : slot - K)] += Math.exp(a[slot] - logL);
        logDensity[i - start] = logL;
      }
    },
  };
}
