/**
 * A deliberately plain EM for 1-D Gaussian mixtures, written independently of src/: n × K
 * arrays, Math.exp and Math.log everywhere, separate E-step, M-step, log-likelihood and
 * ELBO passes, two-pass means and variances. It is the "straightforward path" the fast
 * kernel is checked against. Optional frequency weights, floor and equal variances.
 */
export interface NaiveParams {
  weight: number[];
  mean: number[];
  variance: number[];
}

export interface NaiveOptions {
  maxIter: number;
  rtol: number;
  floor?: number;
  equal?: boolean;
  w?: number[];
}

const logNormal = (x: number, mu: number, s2: number): number => -0.5 * Math.log(2 * Math.PI * s2) - ((x - mu) * (x - mu)) / (2 * s2);

export function naiveLoglik(x: number[], p: NaiveParams, w?: number[]): number {
  let sum = 0;
  x.forEach((xi, i) => {
    let dens = 0;
    for (let k = 0; k < p.weight.length; k++) dens += p.weight[k] * Math.exp(logNormal(xi, p.mean[k], p.variance[k]));
    sum += (w ? w[i] : 1) * Math.log(dens);
  });
  return sum;
}

export function naivePosterior(x: number[], p: NaiveParams): number[][] {
  return x.map((xi) => {
    const a = p.weight.map((pi, k) => Math.log(pi) + logNormal(xi, p.mean[k], p.variance[k]));
    const m = Math.max(...a);
    const e = a.map((v) => Math.exp(v - m));
    const s = e.reduce((u, v) => u + v, 0);
    return e.map((v) => v / s);
  });
}

export function naiveMStep(x: number[], tau: number[][], options: Pick<NaiveOptions, 'floor' | 'equal' | 'w'>): NaiveParams {
  const K = tau[0].length;
  const w = options.w ?? x.map(() => 1);
  const W = w.reduce((a, b) => a + b, 0);
  const p: NaiveParams = { weight: [], mean: [], variance: [] };
  let pooled = 0;
  for (let k = 0; k < K; k++) {
    let nk = 0;
    let sx = 0;
    x.forEach((xi, i) => {
      nk += w[i] * tau[i][k];
      sx += w[i] * tau[i][k] * xi;
    });
    const mu = sx / nk;
    let ss = 0;
    x.forEach((xi, i) => {
      ss += w[i] * tau[i][k] * (xi - mu) * (xi - mu);
    });
    p.weight.push(nk / W);
    p.mean.push(mu);
    p.variance.push(ss / nk);
    pooled += ss;
  }
  if (options.equal) p.variance = p.variance.map(() => pooled / W);
  if (options.floor !== undefined) p.variance = p.variance.map((v) => Math.max(v, options.floor as number));
  return p;
}

export function naiveElbo(x: number[], tau: number[][], p: NaiveParams, w?: number[]): number {
  let sum = 0;
  x.forEach((xi, i) => {
    tau[i].forEach((t, k) => {
      if (t > 0) sum += (w ? w[i] : 1) * t * (Math.log(p.weight[k]) + logNormal(xi, p.mean[k], p.variance[k]) - Math.log(t));
    });
  });
  return sum;
}

export interface NaiveRun {
  params: NaiveParams;
  logliks: number[];
  elbos: number[];
  iterations: number;
  converged: boolean;
}

export function naiveEm(x: number[], start: NaiveParams, options: NaiveOptions): NaiveRun {
  let p = start;
  const logliks = [naiveLoglik(x, p, options.w)];
  const elbos: number[] = [];
  let t = 0;
  let converged = false;
  while (t < options.maxIter) {
    t++;
    const tau = naivePosterior(x, p);
    p = naiveMStep(x, tau, options);
    elbos.push(naiveElbo(x, tau, p, options.w));
    logliks.push(naiveLoglik(x, p, options.w));
    const [prev, cur] = logliks.slice(-2);
    if (Math.abs(cur - prev) <= options.rtol * Math.abs(prev)) {
      converged = true;
      break;
    }
  }
  return { params: p, logliks, elbos, iterations: t, converged };
}

/** Hard-partition start: weight n_k/n, mean, variance with divisor n_k; labels sorted numerically. */
export function naivePartitionStart(x: number[], labels: number[], floor?: number): NaiveParams {
  const ks = [...new Set(labels)].sort((a, b) => a - b);
  const tau = labels.map((l) => ks.map((k) => (l === k ? 1 : 0)));
  return naiveMStep(x, tau, { floor });
}

/**
 * Asserts that a fit retraces the plain EM: ℓ and the ELBO at every iteration to 1e-12
 * relative, the final parameters to 1e-10.
 */
export function expectRetraces(
  fit: { trace: { loglik: number; elbo: number | null }[]; theta: { weight: Float64Array; mean: Float64Array; variance: Float64Array } },
  naive: NaiveRun,
  expect: (value: number) => { toBeLessThan(bound: number): void },
): void {
  const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
  fit.trace.forEach((entry, t) => {
    expect(rel(entry.loglik, naive.logliks[t])).toBeLessThan(1e-12);
    if (t > 0) expect(rel(entry.elbo as number, naive.elbos[t - 1])).toBeLessThan(1e-12);
  });
  for (let k = 0; k < naive.params.weight.length; k++) {
    expect(rel(fit.theta.weight[k], naive.params.weight[k])).toBeLessThan(1e-10);
    expect(rel(fit.theta.mean[k], naive.params.mean[k])).toBeLessThan(1e-10);
    expect(rel(fit.theta.variance[k], naive.params.variance[k])).toBeLessThan(1e-10);
  }
}
