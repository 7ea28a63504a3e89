/**
 * Standard errors. References: a central finite-difference Hessian of the log-likelihood
 * (test/helpers/naive-em.ts, no shared code), and the values computed outside the
 * repository with numpy (finite differences at two step sizes, agreeing with an analytic
 * Hessian to 3e-7) for Old Faithful from the ≤ 68 / > 68 partition and the seed data.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GaussianMixture, VarianceModel } from '../../src/models/gaussian.js';
import { inverseSpd, logLikelihoodHessian, standardErrors } from '../../src/models/gaussian-se.js';
import { fixture } from '../helpers/cli.js';
import { naiveLoglik } from '../helpers/naive-em.js';
import { fitPartition, PARTITION1, VAR } from '../helpers/seed.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** θ from the free vector (π_1..π_{K−1}, μ, σ² or one σ²). */
function params(free: number[], k: number, model: VarianceModel) {
  const weight = free.slice(0, k - 1);
  weight.push(1 - weight.reduce((a, b) => a + b, 0));
  const mean = free.slice(k - 1, 2 * k - 1);
  const variance = model === 'equal' ? Array(k).fill(free[2 * k - 1]) : free.slice(2 * k - 1);
  return { weight, mean, variance };
}

function freeOf(theta: GaussianMixture, model: VarianceModel): number[] {
  const k = theta.weight.length;
  return [...theta.weight.slice(0, k - 1), ...theta.mean, ...(model === 'equal' ? [theta.variance[0]] : theta.variance)];
}

/** Central-difference Hessian of ℓ with relative steps h. */
function numericHessian(x: number[], free: number[], k: number, model: VarianceModel, h = 1e-4): number[][] {
  const p = free.length;
  const f = (v: number[]) => naiveLoglik(x, params(v, k, model));
  const step = free.map((v) => h * Math.max(Math.abs(v), 1e-2));
  const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const at = (si: number, sj: number) => {
        const v = [...free];
        v[i] += si * step[i];
        v[j] += sj * step[j];
        return f(v);
      };
      H[i][j] = H[j][i] = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * step[i] * step[j]);
    }
  }
  return H;
}

const faithful = readFileSync(fixture('faithful-cuts.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const waiting = faithful.map((r) => r[0]);
const cut2 = faithful.map((r) => r[2]);

describe('observed information', () => {
  it.each([
    ['seed, unequal', VAR, PARTITION1, 'unequal' as const],
    ['seed, equal', VAR, PARTITION1, 'equal' as const],
    ['faithful, unequal', waiting, cut2, 'unequal' as const],
  ])('the analytic Hessian matches central differences (%s)', (_, x, labels, model) => {
    const fit = fitPartition(x, labels, { rtol: 1e-14, variance: model, floor: 1e-6 });
    const { hessian, p } = logLikelihoodHessian({ x: Float64Array.from(x), w: null }, fit.theta, model, 1e-6);
    const numeric = numericHessian(x, freeOf(fit.theta, model), fit.labels.length, model);
    const scale = Math.max(...hessian.map(Math.abs));
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) expect(Math.abs(hessian[i * p + j] - numeric[i][j]) / scale).toBeLessThan(1e-5);
    }
  });

  it('gives the reference standard errors for Old Faithful (2 components from ≤ 68 / > 68)', () => {
    const fit = fitPartition(waiting, cut2, { rtol: 1e-14, floor: 1 / 12 });
    const se = standardErrors({ x: Float64Array.from(waiting), w: null }, fit.theta, 'unequal', 1 / 12);
    if (typeof se === 'string') throw new Error(se);
    // numpy reference: se(π) 0.0311648, se(μ) 0.699675, 0.504595, se(σ²) 6.30948, 4.70547.
    expect(rel(se.weight[0], 0.0311648)).toBeLessThan(0.01);
    expect(rel(se.weight[1], 0.0311648)).toBeLessThan(0.01);
    expect(rel(se.mean[0], 0.699675)).toBeLessThan(0.01);
    expect(rel(se.mean[1], 0.504595)).toBeLessThan(0.01);
    expect(rel(se.variance[0], 6.30948)).toBeLessThan(0.01);
    expect(rel(se.variance[1], 4.70547)).toBeLessThan(0.01);
    // And those of our own finite-difference Hessian, inverted.
    const numeric = numericHessian(waiting, freeOf(fit.theta, 'unequal'), 2, 'unequal');
    const cov = inverseSpd(Float64Array.from(numeric.flat(), (h) => -h), 5) as Float64Array;
    [se.weight[0], se.mean[0], se.mean[1], se.variance[0], se.variance[1]].forEach((v, i) => expect(rel(v, Math.sqrt(cov[i * 5 + i]))).toBeLessThan(0.01));
  });

  it('gives the reference standard errors for the seed data', () => {
    const fit = fitPartition(VAR, PARTITION1, { rtol: 1e-14, floor: 1e-6 });
    const se = standardErrors({ x: Float64Array.from(VAR), w: null }, fit.theta, 'unequal', 1e-6);
    if (typeof se === 'string') throw new Error(se);
    // numpy reference: 0.153164, 0.749325, 0.224034, 2.02722, 0.105013.
    [se.weight[0], se.mean[0], se.mean[1], se.variance[0], se.variance[1]].forEach((v, i) => expect(rel(v, [0.153164, 0.749325, 0.224034, 2.02722, 0.105013][i])).toBeLessThan(0.01));
  });

  it('gives one shared standard error for the common variance of the equal model', () => {
    const fit = fitPartition(waiting, cut2, { rtol: 1e-14, floor: 1 / 12, variance: 'equal' });
    const se = standardErrors({ x: Float64Array.from(waiting), w: null }, fit.theta, 'equal', 1 / 12);
    if (typeof se === 'string') throw new Error(se);
    expect(se.variance[0]).toBe(se.variance[1]);
    const numeric = numericHessian(waiting, freeOf(fit.theta, 'equal'), 2, 'equal');
    const cov = inverseSpd(Float64Array.from(numeric.flat(), (h) => -h), 4) as Float64Array;
    expect(rel(se.variance[0], Math.sqrt(cov[15]))).toBeLessThan(0.01);
  });

  it('says why instead of giving numbers at a boundary', () => {
    const fit = fitPartition([1.2, 2.0, 2.1, 1.9, 2.4, 9.5], [1, 1, 1, 1, 1, 2], { floor: 0.01 / 12 });
    expect(standardErrors({ x: Float64Array.of(1.2, 2.0, 2.1, 1.9, 2.4, 9.5), w: null }, fit.theta, 'unequal', 0.01 / 12)).toBe('a variance is held at the floor, a boundary of the parameter space');
  });

  it('inverts a positive definite matrix and refuses an indefinite one', () => {
    const inv = inverseSpd(Float64Array.of(4, 2, 2, 3), 2) as Float64Array;
    // [[4,2],[2,3]]⁻¹ = [[3,−2],[−2,4]] / 8.
    [3 / 8, -2 / 8, -2 / 8, 4 / 8].forEach((v, i) => expect(inv[i]).toBeCloseTo(v, 14));
    expect(inverseSpd(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });
});
