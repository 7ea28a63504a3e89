/**
 * A deliberately plain EM for the families of src/models/families, written independently of
 * src/ (it imports nothing from it): n × K arrays of responsibilities, the densities written
 * out from their textbook formulas, separate E-step, M-step, log-likelihood and ELBO passes,
 * and every one-dimensional M-step equation solved by plain bisection (200 halvings, in
 * log scale) over the data, where src/ uses statistics, Taylor moments and Newton's method.
 * Its special functions use other methods than src/: log Γ by Lanczos's approximation
 * (g = 7, n = 9, as in Press et al.), ψ by the recurrence up to 20 and six series terms.
 */

export type Params = Record<string, number[]>;

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export function psi(x: number): number {
  let s = 0;
  while (x < 20) {
    s -= 1 / x;
    x += 1;
  }
  const v = 1 / (x * x);
  return s + Math.log(x) - 0.5 / x - v * (1 / 12 - v * (1 / 120 - v * (1 / 252 - v * (1 / 240 - v * (1 / 132)))));
}

/** log n! as a plain sum of logs. */
export function logFact(n: number): number {
  let s = 0;
  for (let j = 2; j <= n; j++) s += Math.log(j);
  return s;
}

/** The x in [lo, hi] (lo > 0) where an increasing f changes sign, by 200 geometric halvings. */
export function bisect(f: (x: number) => number, lo: number, hi: number): number {
  if (f(lo) >= 0) return lo;
  if (f(hi) <= 0) return hi;
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(lo * hi);
}

export interface NaiveFamily {
  names: string[];
  logf(x: number, p: Params, k: number): number;
  /** M-step from the data with responsibilities tau (n × K) and frequency weights w; `prev` is θ of the E-step. */
  mstep(x: number[], w: number[], tau: number[][], prev: Params): Params;
  /** Σ_i w_i Σ_k τ_ik E[log p(x_i, z_i = k, latent | θ)] + entropy of the latent given z, for the ELBO (defaults to the plain one). */
  elbo?(x: number[], w: number[], tau: number[][], prev: Params, p: Params): number;
}

const sum = (a: number[]): number => a.reduce((s, v) => s + v, 0);

function weightsOf(w: number[], tau: number[][]): { n: number[]; weight: number[] } {
  const K = tau[0].length;
  const n = Array.from({ length: K }, (_, k) => sum(tau.map((t, i) => w[i] * t[k])));
  const total = sum(n);
  return { n, weight: n.map((v) => v / total) };
}

export const naivePoisson: NaiveFamily = {
  names: ['lambda'],
  logf: (x, p, k) => x * Math.log(p.lambda[k]) - p.lambda[k] - logFact(x),
  mstep(x, w, tau) {
    const { n, weight } = weightsOf(w, tau);
    return { weight, lambda: n.map((nk, k) => sum(x.map((xi, i) => w[i] * tau[i][k] * xi)) / nk) };
  },
};

export const naiveExponential: NaiveFamily = {
  names: ['rate'],
  logf: (x, p, k) => Math.log(p.rate[k]) - p.rate[k] * x,
  mstep(x, w, tau) {
    const { n, weight } = weightsOf(w, tau);
    return { weight, rate: n.map((nk, k) => nk / sum(x.map((xi, i) => w[i] * tau[i][k] * xi))) };
  },
};

export function naiveLognormal(floor = 0): NaiveFamily {
  return {
    names: ['meanlog', 'sdlog'],
    logf: (x, p, k) => -Math.log(x * p.sdlog[k] * Math.sqrt(2 * Math.PI)) - (Math.log(x) - p.meanlog[k]) ** 2 / (2 * p.sdlog[k] ** 2),
    mstep(x, w, tau) {
      const { n, weight } = weightsOf(w, tau);
      const meanlog = n.map((nk, k) => sum(x.map((xi, i) => w[i] * tau[i][k] * Math.log(xi))) / nk);
      const sdlog = n.map((nk, k) => Math.max(floor, Math.sqrt(sum(x.map((xi, i) => w[i] * tau[i][k] * (Math.log(xi) - meanlog[k]) ** 2)) / nk)));
      return { weight, meanlog, sdlog };
    },
  };
}

export const naiveGamma: NaiveFamily = {
  names: ['shape', 'rate'],
  logf: (x, p, k) => p.shape[k] * Math.log(p.rate[k]) - lnGamma(p.shape[k]) + (p.shape[k] - 1) * Math.log(x) - p.rate[k] * x,
  mstep(x, w, tau) {
    const { n, weight } = weightsOf(w, tau);
    const shape: number[] = [];
    const rate: number[] = [];
    n.forEach((nk, k) => {
      const mean = sum(x.map((xi, i) => w[i] * tau[i][k] * xi)) / nk;
      const meanLog = sum(x.map((xi, i) => w[i] * tau[i][k] * Math.log(xi))) / nk;
      const s = Math.log(mean) - meanLog;
      const alpha = bisect((a) => s - (Math.log(a) - psi(a)), 1e-8, 1e15);
      shape.push(alpha);
      rate.push(alpha / mean);
    });
    return { weight, shape, rate };
  },
};

/** The Weibull M-step: bisection on the profile equation, Σ v x^κ evaluated over the data at each trial κ. */
export function weibullMStepFromData(x: number[], v: number[]): { shape: number; scale: number } {
  const n = sum(v);
  const lx = x.map(Math.log);
  const top = Math.max(...lx.filter((_, i) => v[i] > 0));
  const meanLog = sum(lx.map((l, i) => v[i] * l)) / n;
  const sums = (kappa: number): [number, number] => {
    let s0 = 0;
    let s1 = 0;
    lx.forEach((l, i) => {
      const e = v[i] * Math.exp(kappa * (l - top));
      s0 += e;
      s1 += e * l;
    });
    return [s0, s1];
  };
  const shape = bisect((kappa) => {
    const [s0, s1] = sums(kappa);
    return s1 / s0 - 1 / kappa - meanLog;
  }, 1e-3, 1e6);
  return { shape, scale: Math.exp(top + Math.log(sums(shape)[0] / n) / shape) };
}

export const naiveWeibull: NaiveFamily = {
  names: ['shape', 'scale'],
  logf: (x, p, k) => Math.log(p.shape[k] / p.scale[k]) + (p.shape[k] - 1) * Math.log(x / p.scale[k]) - (x / p.scale[k]) ** p.shape[k],
  mstep(x, w, tau) {
    const { weight } = weightsOf(w, tau);
    const shape: number[] = [];
    const scale: number[] = [];
    for (let k = 0; k < tau[0].length; k++) {
      const fit = weibullMStepFromData(
        x,
        tau.map((t, i) => w[i] * t[k]),
      );
      shape.push(fit.shape);
      scale.push(fit.scale);
    }
    return { weight, shape, scale };
  },
};

const tLog = (x: number, mu: number, s: number, nu: number): number =>
  lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) - Math.log(s) - ((nu + 1) / 2) * Math.log(1 + ((x - mu) / s) ** 2 / nu);

/**
 * Peel and McLachlan (2000): u_ik = (ν_k + 1)/(ν_k + δ²_ik); μ_k = Σ τ u x / Σ τ u;
 * σ²_k = Σ τ u (x − μ_k)² / Σ τ; ν_k the root of their equation (30) as printed, p = 1:
 *   1 − ψ(ν/2) + log(ν/2) + (1/n_k) Σ τ (log u − u) + ψ((ν_old + 1)/2) − log((ν_old + 1)/2) = 0,
 * or with the n_k-weighted sum over k for one shared ν, or ν fixed.
 */
export function naiveT(df: 'each' | 'shared' | number, dfMin = 0.5, dfMax = 200): NaiveFamily {
  const weightsU = (x: number[], prev: Params, k: number): number[] => x.map((xi) => (prev.df[k] + 1) / (prev.df[k] + ((xi - prev.location[k]) / prev.scale[k]) ** 2));
  return {
    names: ['location', 'scale', 'df'],
    logf: (x, p, k) => tLog(x, p.location[k], p.scale[k], p.df[k]),
    mstep(x, w, tau, prev) {
      const { n, weight } = weightsOf(w, tau);
      const K = n.length;
      const location: number[] = [];
      const scale: number[] = [];
      const terms: number[] = [];
      for (let k = 0; k < K; k++) {
        const u = weightsU(x, prev, k);
        const su = sum(x.map((_, i) => w[i] * tau[i][k] * u[i]));
        const mu = sum(x.map((xi, i) => w[i] * tau[i][k] * u[i] * xi)) / su;
        location.push(mu);
        scale.push(Math.sqrt(sum(x.map((xi, i) => w[i] * tau[i][k] * u[i] * (xi - mu) ** 2)) / n[k]));
        const a = (prev.df[k] + 1) / 2;
        terms.push(sum(x.map((_, i) => w[i] * tau[i][k] * (Math.log(u[i]) - u[i]))) / n[k] + psi(a) - Math.log(a));
      }
      const equation = (c: number) => (nu: number) => -(1 - psi(nu / 2) + Math.log(nu / 2) + c);
      let dfs: number[];
      if (typeof df === 'number') dfs = n.map(() => df);
      else if (df === 'shared') {
        const c = sum(terms.map((t, k) => n[k] * t)) / sum(n);
        const nu = bisect(equation(c), dfMin, dfMax);
        dfs = n.map(() => nu);
      } else dfs = terms.map((c) => bisect(equation(c), dfMin, dfMax));
      return { weight, location, scale, df: dfs };
    },
    /** The ELBO of the data augmented by u: q(u | x, z = k) = Gamma((ν+1)/2, (ν + δ²)/2) at the E-step's θ. */
    elbo(x, w, tau, prev, p) {
      let total = 0;
      x.forEach((xi, i) => {
        tau[i].forEach((t, k) => {
          if (!(t > 0)) return;
          const a = (prev.df[k] + 1) / 2;
          const b = (prev.df[k] + ((xi - prev.location[k]) / prev.scale[k]) ** 2) / 2;
          const eu = a / b;
          const elogu = psi(a) - Math.log(b);
          const h = p.df[k] / 2;
          const s2 = p.scale[k] ** 2;
          const logJoint =
            -0.5 * Math.log(2 * Math.PI * s2) + 0.5 * elogu - (eu * (xi - p.location[k]) ** 2) / (2 * s2) + h * Math.log(h) - lnGamma(h) + (h - 1) * elogu - h * eu;
          const entropy = a - Math.log(b) + lnGamma(a) + (1 - a) * psi(a);
          total += w[i] * t * (Math.log(p.weight[k]) + logJoint + entropy - Math.log(t));
        });
      });
      return total;
    },
  };
}

export function naiveLoglik(fam: NaiveFamily, x: number[], w: number[], p: Params): number {
  return sum(
    x.map((xi, i) => {
      const a = p.weight.map((pi, k) => Math.log(pi) + fam.logf(xi, p, k));
      const m = Math.max(...a);
      return w[i] * (m + Math.log(sum(a.map((v) => Math.exp(v - m)))));
    }),
  );
}

export function naivePosterior(fam: NaiveFamily, x: number[], p: Params): number[][] {
  return x.map((xi) => {
    const a = p.weight.map((pi, k) => Math.log(pi) + fam.logf(xi, p, k));
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = sum(e);
    return e.map((v) => v / s);
  });
}

export function naiveElbo(fam: NaiveFamily, x: number[], w: number[], tau: number[][], prev: Params, p: Params): number {
  if (fam.elbo) return fam.elbo(x, w, tau, prev, p);
  let total = 0;
  x.forEach((xi, i) => {
    tau[i].forEach((t, k) => {
      if (t > 0) total += w[i] * t * (Math.log(p.weight[k]) + fam.logf(xi, p, k) - Math.log(t));
    });
  });
  return total;
}

export interface NaiveRun {
  params: Params;
  logliks: number[];
  elbos: number[];
  iterations: number;
}

/** Plain EM from `start` for a fixed number of iterations (or until |Δℓ| ≤ rtol |ℓ|). */
export function naiveFamilyEm(fam: NaiveFamily, x: number[], w: number[], start: Params, maxIter: number, rtol = 0): NaiveRun {
  let p = start;
  const logliks = [naiveLoglik(fam, x, w, p)];
  const elbos: number[] = [];
  let t = 0;
  while (t < maxIter) {
    t++;
    const tau = naivePosterior(fam, x, p);
    const next = fam.mstep(x, w, tau, p);
    elbos.push(naiveElbo(fam, x, w, tau, p, next));
    p = next;
    logliks.push(naiveLoglik(fam, x, w, p));
    const [prev, cur] = logliks.slice(-2);
    if (Math.abs(cur - prev) <= rtol * Math.abs(prev)) break;
  }
  return { params: p, logliks, elbos, iterations: t };
}

/** One-hot responsibilities of labels 0..K−1. */
export const oneHot = (labels: number[], K: number): number[][] => labels.map((l) => Array.from({ length: K }, (_, k) => (k === l ? 1 : 0)));

/** The naive family of each case of family-fixtures.ts, by the case's name. */
export const naiveByCase: Record<string, NaiveFamily> = {
  poisson: naivePoisson,
  exponential: naiveExponential,
  lognormal: naiveLognormal(),
  gamma: naiveGamma,
  weibull: naiveWeibull,
  t: naiveT('each'),
  't shared': naiveT('shared'),
};
