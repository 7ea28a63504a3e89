/**
 * A deliberately plain EM for a 1-D Gaussian mixture fitted to intervals (grouped data),
 * sharing no code with src/: interval probabilities and truncated moments by Simpson's rule
 * on the density, separate E-step, M-step and log-likelihood, unequal variances.
 */
export interface NaiveGroupedParams {
  weight: number[];
  mean: number[];
  variance: number[];
}

const density = (x: number, mu: number, s2: number): number => Math.exp(-((x - mu) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2);

/** ∫_a^b f(x) g(x) dx for f the N(μ, σ²) density, composite Simpson with `panels` (even) panels. */
export function simpson(a: number, b: number, mu: number, s2: number, g: (x: number) => number, panels = 2000): number {
  const h = (b - a) / panels;
  let sum = density(a, mu, s2) * g(a) + density(b, mu, s2) * g(b);
  for (let i = 1; i < panels; i++) {
    const x = a + i * h;
    sum += (i % 2 === 1 ? 4 : 2) * density(x, mu, s2) * g(x);
  }
  return (sum * h) / 3;
}

/** Σ_v W_v log Σ_k π_k P_vk for intervals (lo_v, hi_v]. */
export function naiveGroupedLoglik(lo: number[], hi: number[], W: number[], p: NaiveGroupedParams): number {
  let sum = 0;
  lo.forEach((a, v) => {
    let L = 0;
    p.weight.forEach((pi, k) => {
      L += pi * simpson(a, hi[v], p.mean[k], p.variance[k], () => 1);
    });
    sum += W[v] * Math.log(L);
  });
  return sum;
}

/** One EM step: responsibilities from interval probabilities, moments from Simpson's rule. */
export function naiveGroupedStep(lo: number[], hi: number[], W: number[], p: NaiveGroupedParams): NaiveGroupedParams {
  const K = p.weight.length;
  const N = new Array<number>(K).fill(0);
  const S1 = new Array<number>(K).fill(0);
  const S2 = new Array<number>(K).fill(0);
  const total = W.reduce((a, b) => a + b, 0);
  lo.forEach((a, v) => {
    const b = hi[v];
    const P = p.weight.map((_, k) => simpson(a, b, p.mean[k], p.variance[k], () => 1));
    const L = P.reduce((s, Pk, k) => s + p.weight[k] * Pk, 0);
    for (let k = 0; k < K; k++) {
      const r = (p.weight[k] * P[k]) / L;
      N[k] += W[v] * r;
      S1[k] += (W[v] * r * simpson(a, b, p.mean[k], p.variance[k], (x) => x)) / P[k];
      S2[k] += (W[v] * r * simpson(a, b, p.mean[k], p.variance[k], (x) => x * x)) / P[k];
    }
  });
  return {
    weight: N.map((n) => n / total),
    mean: N.map((n, k) => S1[k] / n),
    variance: N.map((n, k) => S2[k] / n - (S1[k] / n) ** 2),
  };
}
