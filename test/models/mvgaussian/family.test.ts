/**
 * The d-dimensional Gaussian family on the EM engine (src/models/mvgaussian/family.ts): its pass,
 * statistics and M-step against the plain helper (test/helpers/naive-mv-em.ts, which shares no
 * code with src/), the EM invariants on the engine's loop, weights as repeated rows, chunked
 * passes, and the SQUAREM extrapolation reaching the same maximum.
 */
import { describe, expect, it } from 'vitest';
import { serialRunner } from '../../../src/em/chunks.js';
import { drain, emSteps } from '../../../src/em/em.js';
import { type Data, HEADER, LOGLIK } from '../../../src/models/family.js';
import { mvGaussianFamily, type MvGaussianMixture, mvStartFromPartition } from '../../../src/models/mvgaussian/family.js';
import type { CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { naiveMvEm, naiveMvEStep } from '../../helpers/naive-mv-em.js';
import { mclust, rows } from './fixture.js';

const iris = rows('iris');
const d = 4;
const species = Int32Array.from(iris, (_, i) => Math.floor(i / 50));
const data: Data = { x: Float64Array.from(iris.flat()), w: null, d };
const FLOOR = [1e-6, 1e-6, 1e-6, 1e-6];
const options = (model: CovarianceModel) => ({ k: 3, d, model, floor: FLOOR });
const hard = (codes: Int32Array, k: number): number[][] => Array.from(codes, (c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));

const params = (theta: MvGaussianMixture) => ({
  weight: Array.from(theta.weight),
  mean: [0, 1, 2].map((k) => Array.from(theta.mean.subarray(k * d, (k + 1) * d))),
  covariance: [0, 1, 2].map((k) => [0, 1, 2, 3].map((p) => Array.from(theta.covariance.subarray(k * 16 + p * 4, k * 16 + p * 4 + 4)))),
});

describe('mvgaussian family', () => {
  it('its pass gives the plain E-step’s ℓ and its M-step the plain M-step’s parameters', () => {
    const { theta } = mvStartFromPartition(options('VVV'), data, species);
    const family = mvGaussianFamily(options('VVV'));
    const stats = new Float64Array(family.statsLength);
    family.pass(data, theta, stats, 0, 150);
    const naive = naiveMvEStep(iris, params(theta));
    expect(stats[LOGLIK]).toBeCloseTo(naive.loglik, 10);
    const next = family.create();
    family.mStep(stats, theta, next, new Uint8Array(3));
    const plain = naiveMvEm(iris, naive.tau, { maxIter: 1, rtol: 0 }).params;
    const ours = params(next);
    ours.weight.forEach((w, k) => expect(w).toBeCloseTo(plain.weight[k], 12));
    ours.mean.forEach((m, k) => m.forEach((v, p) => expect(v).toBeCloseTo(plain.mean[k][p], 12)));
    ours.covariance.forEach((m, k) => m.forEach((row, p) => row.forEach((v, q) => expect(v).toBeCloseTo(plain.covariance[k][p][q], 12))));
  });

  it('EM on the engine follows the plain VVV EM from the species, ℓ never falling, ELBO between', () => {
    const family = mvGaussianFamily(options('VVV'));
    const { theta } = mvStartFromPartition(options('VVV'), data, species);
    const run = drain(emSteps(family, serialRunner(family, data), theta, { maxIter: 200, rtol: 1e-13 }));
    const plain = naiveMvEm(iris, hard(species, 3), { maxIter: 200, rtol: 1e-13 });
    expect(run.loglik).toBeCloseTo(plain.loglik, 9);
    // mclust me (tol 1e-13): −180.1854771313.
    expect(run.loglik).toBeCloseTo(mclust.cases[0].models.VVV.me.loglik, 8);
    for (let t = 1; t < run.trace.length; t++) {
      const { loglik, elbo } = run.trace[t];
      const before = run.trace[t - 1].loglik;
      expect(loglik).toBeGreaterThanOrEqual(before - 1e-9);
      expect(elbo as number).toBeGreaterThanOrEqual(before - 1e-9);
      expect(elbo as number).toBeLessThanOrEqual(loglik + 1e-9);
    }
  });

  it.each(['VVV', 'EEE', 'VVE', 'EVI'] as CovarianceModel[])('%s: SQUAREM reaches the plain run’s maximum, monotonely', (model) => {
    const family = mvGaussianFamily(options(model));
    const { theta } = mvStartFromPartition(options(model), data, species);
    const plain = drain(emSteps(family, serialRunner(family, data), theta, { maxIter: 5000, rtol: 1e-14 }));
    const fast = drain(emSteps(family, serialRunner(family, data), theta, { maxIter: 5000, rtol: 1e-14, accel: 'squarem' }));
    expect(fast.loglik).toBeCloseTo(plain.loglik, 7);
    for (let t = 1; t < fast.trace.length; t++) expect(fast.trace[t].loglik).toBeGreaterThanOrEqual(fast.trace[t - 1].loglik - 1e-9);
  });

  it('a row of weight 2 counts as two rows; chunks of rows add up to the whole pass', () => {
    const family = mvGaussianFamily(options('VEV'));
    const { theta } = mvStartFromPartition(options('VEV'), data, species);
    const w = Float64Array.from(iris, (_, i) => (i % 7 === 0 ? 2 : 1));
    const repeated = iris.flatMap((row, i) => (i % 7 === 0 ? [row, row] : [row]));
    const a = new Float64Array(family.statsLength);
    const b = new Float64Array(family.statsLength);
    family.pass({ x: data.x, w, d }, theta, a, 0, 150);
    family.pass({ x: Float64Array.from(repeated.flat()), w: null, d }, theta, b, 0, repeated.length);
    a.forEach((v, j) => expect(v).toBeCloseTo(b[j], 9));
    const parts = new Float64Array(family.statsLength);
    family.pass(data, theta, parts, 0, 61);
    family.pass(data, theta, parts, 61, 150);
    const whole = new Float64Array(family.statsLength);
    family.pass(data, theta, whole, 0, 150);
    whole.forEach((v, j) => expect(parts[j]).toBeCloseTo(v, 9));
    // Σ_k N_k = n.
    expect(whole[HEADER] + whole[HEADER + 21] + whole[HEADER + 42]).toBeCloseTo(150, 10);
  });

  it('its posterior gives responsibilities summing to 1 and the pass’s ℓ', () => {
    const family = mvGaussianFamily(options('EEV'));
    const { theta } = mvStartFromPartition(options('EEV'), data, species);
    const r = new Float64Array(150 * 3);
    const logDensity = new Float64Array(150);
    family.posterior(data.x, theta, 0, 150, r, logDensity);
    for (let i = 0; i < 150; i++) expect(r[3 * i] + r[3 * i + 1] + r[3 * i + 2]).toBeCloseTo(1, 14);
    const stats = new Float64Array(family.statsLength);
    family.pass(data, theta, stats, 0, 150);
    expect(logDensity.reduce((a, b) => a + b, 0)).toBeCloseTo(stats[LOGLIK], 9);
  });

  it('counts mclust’s parameters: K − 1 weights, K·d means and nVarParams', () => {
    for (const model of ['EII', 'VVV', 'EVE'] as CovarianceModel[]) {
      expect(mvGaussianFamily(options(model)).nParams).toBe(2 + 12 + mclust.cases[0].models[model].nVarParams);
    }
  });
});
