/**
 * The d-dimensional Gaussian pass, through its generated kernels (kernel.ts: d ≤ 5 here) and
 * its loops (family.ts: past kernel.MAX_SUMS running sums, d = 12 with K = 2), against sums
 * computed here row by row with the plain helper's log-density (test/helpers/naive-mv-em.ts):
 * ℓ, the entropy term and N_k, S1_k, S2_k centred at the means, with and without weights.
 */
import { describe, expect, it } from 'vitest';
import { HEADER, LOGLIK, RLOGR } from '../../../src/models/family.js';
import { mvGaussianFamily } from '../../../src/models/mvgaussian/family.js';
import { MAX_SUMS } from '../../../src/models/mvgaussian/kernel.js';
import { rng } from '../../../src/select/rng.js';
import { naiveCholesky, naiveLogNormal } from '../../helpers/naive-mv-em.js';

function check(d: number, K: number, weighted: boolean, seed: number): void {
  const random = rng(seed);
  const n = 300;
  const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => 4 * random()));
  const w = weighted ? rows.map(() => (random() < 0.1 ? 0 : 3 * random())) : null;
  const family = mvGaussianFamily({ k: K, d, model: 'VVV', floor: new Array<number>(d).fill(1e-6) });
  const theta = family.create();
  const covariance: number[][][] = [];
  for (let k = 0; k < K; k++) {
    theta.weight[k] = 1 / K;
    // Σ_k = A Aᵀ + I for a random A: positive definite, with correlations.
    const a = Array.from({ length: d }, () => Array.from({ length: d }, () => random() - 0.5));
    const sigma = a.map((row, p) => a.map((other, q) => row.reduce((s, v, r) => s + v * other[r], 0) + (p === q ? 1 : 0)));
    covariance.push(sigma);
    for (let p = 0; p < d; p++) {
      theta.mean[k * d + p] = 4 * random();
      for (let q = 0; q < d; q++) theta.covariance[k * d * d + p * d + q] = sigma[p][q];
    }
  }
  family.fromVector(Float64Array.from([...theta.weight, ...theta.mean, ...theta.covariance]), theta);
  const stats = new Float64Array(family.statsLength);
  family.pass({ x: Float64Array.from(rows.flat()), w: w === null ? null : Float64Array.from(w), d }, theta, stats, 0, n);

  const factors = covariance.map(naiveCholesky);
  const mean = Array.from({ length: K }, (_, k) => Array.from(theta.mean.subarray(k * d, (k + 1) * d)));
  let loglik = 0;
  let rlogr = 0;
  const N = new Array<number>(K).fill(0);
  const S1 = mean.map(() => new Array<number>(d).fill(0));
  const S2 = mean.map(() => Array.from({ length: d }, () => new Array<number>(d).fill(0)));
  rows.forEach((x, i) => {
    const wi = w === null ? 1 : w[i];
    const a = mean.map((mu, k) => Math.log(1 / K) + naiveLogNormal(x, mu, factors[k]));
    const top = Math.max(...a);
    const lse = top + Math.log(a.reduce((s, v) => s + Math.exp(v - top), 0));
    loglik += wi * lse;
    a.forEach((ak, k) => {
      const r = Math.exp(ak - lse);
      rlogr += wi * r * (ak - lse);
      N[k] += wi * r;
      for (let p = 0; p < d; p++) {
        S1[k][p] += wi * r * (x[p] - mean[k][p]);
        for (let q = 0; q < d; q++) S2[k][p][q] += wi * r * (x[p] - mean[k][p]) * (x[q] - mean[k][q]);
      }
    });
  });
  const near = (a: number, b: number, scale: number): void => expect(Math.abs(a - b)).toBeLessThan(1e-10 * Math.max(1, scale));
  near(stats[LOGLIK], loglik, Math.abs(loglik));
  near(stats[RLOGR], rlogr, Math.abs(loglik));
  const block = 1 + d + d * d;
  for (let k = 0; k < K; k++) {
    near(stats[HEADER + k * block], N[k], n);
    for (let p = 0; p < d; p++) {
      near(stats[HEADER + k * block + 1 + p], S1[k][p], 4 * n);
      for (let q = 0; q < d; q++) near(stats[HEADER + k * block + 1 + d + p * d + q], S2[k][p][q], 16 * n);
    }
  }
}

describe('the d-dimensional pass', () => {
  it.each([
    [2, 1],
    [2, 3],
    [3, 2],
    [5, 3],
    [4, 5],
  ])('generated kernel, d = %i, K = %i, with and without weights', (d, K) => {
    expect(K * (1 + d + (d * (d + 1)) / 2)).toBeLessThanOrEqual(MAX_SUMS);
    check(d, K, false, 10 * d + K);
    check(d, K, true, 10 * d + K + 1);
  });

  it('loops past the kernels’ size (d = 12, K = 2), with and without weights', () => {
    expect(2 * (1 + 12 + 78)).toBeGreaterThan(MAX_SUMS);
    check(12, 2, false, 5);
    check(12, 2, true, 6);
  });
});
