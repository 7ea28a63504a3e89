/**
 * A deliberately plain EM for a 1-D Gaussian mixture fitted to coarsened values (grouped
 * data, with heaping), sharing no code with src/: interval probabilities and truncated
 * moments by Simpson's rule on the density, separate E-step, M-step and log-likelihood,
 * unequal variances. Each value has its fine interval and, when it lies on the heap grid,
 * its coarse one; it was recorded on the coarse grid with probability p.
 */
export interface NaiveGroupedParams {
  weight: number[];
  mean: number[];
  variance: number[];
  /** p, the probability of a value being recorded on the coarse grid. */
  heap: number;
}

/** A value's intervals: fine (lo, hi], and coarse (clo, chi] or null off the heap grid. */
export interface Cell {
  lo: number;
  hi: number;
  coarse: [number, number] | null;
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

/** The (component, grid) terms of one value: [k, coarse?, π_k·(p or 1 − p)·P, lo, hi]. */
function terms(cell: Cell, p: NaiveGroupedParams): [number, boolean, number, number, number][] {
  const out: [number, boolean, number, number, number][] = [];
  p.weight.forEach((pi, k) => {
    out.push([k, false, pi * (1 - p.heap) * simpson(cell.lo, cell.hi, p.mean[k], p.variance[k], () => 1), cell.lo, cell.hi]);
    if (cell.coarse !== null) out.push([k, true, pi * p.heap * simpson(cell.coarse[0], cell.coarse[1], p.mean[k], p.variance[k], () => 1), cell.coarse[0], cell.coarse[1]]);
  });
  return out;
}

/** Σ_v W_v log L_v, L_v the probability of recording value v. */
export function naiveGroupedLoglik(cells: Cell[], W: number[], p: NaiveGroupedParams): number {
  return cells.reduce((sum, cell, v) => sum + W[v] * Math.log(terms(cell, p).reduce((a, t) => a + t[2], 0)), 0);
}

/** One EM step: responsibilities over (component, grid), moments by Simpson's rule, p the expected heaped share. */
export function naiveGroupedStep(cells: Cell[], W: number[], p: NaiveGroupedParams): NaiveGroupedParams {
  const K = p.weight.length;
  const N = new Array<number>(K).fill(0);
  const S1 = new Array<number>(K).fill(0);
  const S2 = new Array<number>(K).fill(0);
  let heaped = 0;
  const total = W.reduce((a, b) => a + b, 0);
  cells.forEach((cell, v) => {
    const all = terms(cell, p);
    const L = all.reduce((a, t) => a + t[2], 0);
    for (const [k, coarse, value, lo, hi] of all) {
      const r = value / L;
      const P = simpson(lo, hi, p.mean[k], p.variance[k], () => 1);
      N[k] += W[v] * r;
      S1[k] += (W[v] * r * simpson(lo, hi, p.mean[k], p.variance[k], (x) => x)) / P;
      S2[k] += (W[v] * r * simpson(lo, hi, p.mean[k], p.variance[k], (x) => x * x)) / P;
      if (coarse) heaped += W[v] * r;
    }
  });
  return {
    weight: N.map((n) => n / total),
    mean: N.map((n, k) => S1[k] / n),
    variance: N.map((n, k) => S2[k] / n - (S1[k] / n) ** 2),
    heap: heaped / total,
  };
}
