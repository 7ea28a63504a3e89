/**
 * Whole EM runs with the covariance M-steps, against R's mclust 6.0.0 me(modelName, data, z) at
 * tolerance 1e-13 (mclust-reference.json): from the iris species, from a rough soft partition of
 * iris, and from faithful's waiting > 68, every model converges to mclust's log-likelihood to
 * 1e-8 relative and to its parameters, except VVE, where the exact M-step climbs past mclust's
 * (iris from the species: −214.0532 against −215.2409). The E-step, the means and the scatters
 * come from the plain helper (test/helpers/naive-mv-em.ts), which shares no code with src/; its
 * own VVV EM is checked against mclust first, for a later engine to be checked against it.
 */
import { describe, expect, it } from 'vitest';
import { covarianceMStep } from '../../../src/models/mvgaussian/covariance.js';
import { COVARIANCE_MODELS, type CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { naiveMvEm, naiveMvEStep } from '../../helpers/naive-mv-em.js';
import { matrices, matrixError, mclust, responsibilities, rows, scatterOf } from './fixture.js';

const ITERATED = new Set<CovarianceModel>(['VEI', 'VEE', 'EVE', 'VVE', 'VEV']);

interface Run {
  loglik: number;
  trace: number[];
  weight: number[];
  mean: number[][];
  sigma: Float64Array;
  floored: boolean;
}

/**
 * EM with `model`'s M-step: statistics of the current responsibilities, Σ_k from
 * covarianceMStep (starting from the previous Σ_k), then the E-step; until
 * |ℓ(t) − ℓ(t−1)| ≤ tol (1 + |ℓ(t)|), mclust's rule, so that from the same start both stop at the
 * same iterate (VVI needs over a hundred iterations and stops 1e-6 short of its limit). Returns
 * the parameters of the last M-step and ℓ at them, as mclust's me does.
 */
function em(model: CovarianceModel, x: number[][], tau0: number[][], options: { tol: number; maxIter: number; floor?: Float64Array }): Run {
  let tau = tau0;
  let previous: Float64Array | null = null;
  const trace: number[] = [];
  let run: Run | null = null;
  let floored = false;
  for (let t = 0; t < options.maxIter; t++) {
    const stats = scatterOf(x, tau);
    const fit = covarianceMStep(model, stats, { previous, floor: options.floor ?? null });
    expect(fit.converged).toBe(true);
    floored ||= fit.floored.some((b) => b === 1);
    previous = fit.sigma;
    const total = stats.weight.reduce((a, b) => a + b, 0);
    const params = { weight: [...stats.weight].map((w) => w / total), mean: stats.mean, covariance: matrices(fit.sigma, stats.d, stats.k) };
    const e = naiveMvEStep(x, params);
    trace.push(e.loglik);
    tau = e.tau;
    run = { loglik: e.loglik, trace, weight: params.weight, mean: params.mean, sigma: fit.sigma, floored };
    if (t > 0 && Math.abs(e.loglik - trace[t - 1]) <= options.tol * (1 + Math.abs(e.loglik))) break;
  }
  return run!;
}

/** Largest |a_i − b_i| / max |b|. */
const vectorError = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...b.map(Math.abs));

describe('the plain VVV EM of test/helpers against mclust', () => {
  it.each(mclust.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const ref = c.models.VVV.me;
    const run = naiveMvEm(rows(c.data), responsibilities(c), { maxIter: 1000, rtol: 1e-14 });
    expect(Math.abs(run.loglik - ref.loglik)).toBeLessThan(1e-8 * Math.abs(ref.loglik));
    const d = run.params.mean[0].length;
    expect(matrixError(run.params.covariance.flat(2), ref.sigma, d, c.G)).toBeLessThan(1e-6);
    expect(vectorError(run.params.mean.flat(), ref.mean)).toBeLessThan(1e-6);
    expect(vectorError(run.params.weight, ref.pro)).toBeLessThan(1e-6);
    for (let t = 1; t < run.trace.length; t++) expect(run.trace[t]).toBeGreaterThanOrEqual(run.trace[t - 1] - 1e-12 * Math.abs(run.trace[t]));
  });
});

describe.each(mclust.cases)('EM from $name against mclust me', (c) => {
  const x = rows(c.data);
  const tau = responsibilities(c);

  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const ref = c.models[model].me;
    const run = em(model, x, tau, { tol: 1e-13, maxIter: 2000 });
    // ℓ never decreases (to rounding).
    for (let t = 1; t < run.trace.length; t++) expect(run.trace[t]).toBeGreaterThanOrEqual(run.trace[t - 1] - 1e-12 * Math.abs(run.trace[t]));
    if (model === 'VVE') {
      expect(run.loglik).toBeGreaterThan(ref.loglik);
      return;
    }
    expect(Math.abs(run.loglik - ref.loglik)).toBeLessThan(1e-8 * Math.abs(ref.loglik));
    const tolerance = ITERATED.has(model) ? 1e-4 : 1e-6;
    expect(matrixError(run.sigma, ref.sigma, x[0].length, c.G)).toBeLessThan(tolerance);
    expect(vectorError(run.mean.flat(), ref.mean)).toBeLessThan(tolerance);
    expect(vectorError(run.weight, ref.pro)).toBeLessThan(tolerance);
  });
});

describe('EM with a binding floor never lowers ℓ', () => {
  // Iris with a fourth component started on three setosa rows, whose scatter is singular; the
  // floor is iris's recording resolution, δ = 0.1: δ²/12 per column.
  const x = rows('iris');
  const tau = responsibilities(mclust.cases[0]).map((r, i) => (i < 3 ? [0, 0, 0, 1] : [...r, 0]));
  const floor = new Float64Array(4).fill(0.01 / 12);
  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const run = em(model, x, tau, { tol: 1e-12, maxIter: 300, floor });
    for (let t = 1; t < run.trace.length; t++) expect(run.trace[t]).toBeGreaterThanOrEqual(run.trace[t - 1] - 1e-12 * Math.abs(run.trace[t]));
    expect(Number.isFinite(run.loglik)).toBe(true);
    // Models that give the fourth component its own volume and shape need the floor at once.
    if (model[0] === 'V' && model[1] === 'V') expect(run.floored).toBe(true);
  });
});
