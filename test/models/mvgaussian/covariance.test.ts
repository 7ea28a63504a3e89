/**
 * The fourteen covariance M-steps against R's mclust 6.0.0: mstep(modelName, data, z) on iris
 * from the species and from a rough soft partition, and on faithful from waiting > 68
 * (mclust-reference.json; mclust-reference.R regenerates it). Closed forms must give mclust's
 * Σ_k; iterated ones must reach at least mclust's Q, which mclust's own inner iterations (run to
 * 1e-15) approach from below, and VVE must exceed it: mclust's VVE orientation update drops the
 * 1/λ_k weights.
 */
import { describe, expect, it } from 'vitest';
import { covarianceMStep } from '../../../src/models/mvgaussian/covariance.js';
import { COVARIANCE_MODELS, type CovarianceModel, covarianceParameters, isCovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { naiveMvEStep } from '../../helpers/naive-mv-em.js';
import { matrices, matrixError, mclust, naiveObjective, responsibilities, rows, scatterOf } from './fixture.js';

const ITERATED = new Set<CovarianceModel>(['VEI', 'VEE', 'EVE', 'VVE', 'VEV']);

describe.each(mclust.cases)('M-step from $name against mclust', (c) => {
  const x = rows(c.data);
  const tau = responsibilities(c);
  const stats = scatterOf(x, tau);
  const { d, k } = stats;
  const n = x.length;

  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const ref = c.models[model];
    const fit = covarianceMStep(model, stats);
    expect(fit.converged).toBe(true);
    expect(covarianceParameters(model, d, k)).toBe(ref.nVarParams);
    // Q of our Σ_k as the plain helper computes it, and as R computed it for mclust's Σ_k.
    const q = naiveObjective(stats, fit.sigma);
    expect(Math.abs(fit.objective - q)).toBeLessThan(1e-13 * Math.abs(q));
    const mine = naiveMvEStep(x, { weight: [...stats.weight].map((w) => w / n), mean: stats.mean, covariance: matrices(fit.sigma, d, k) }).loglik;
    if (!ITERATED.has(model)) {
      expect(fit.iterations).toBe(0);
      expect(matrixError(fit.sigma, ref.mstep.sigma, d, k)).toBeLessThan(1e-12);
      expect(Math.abs(q - ref.mstep.objective)).toBeLessThan(1e-12 * Math.abs(ref.mstep.objective));
      // ℓ at the partition's parameters.
      expect(Math.abs(mine - ref.mstep.loglik)).toBeLessThan(1e-9 * Math.abs(ref.mstep.loglik));
      return;
    }
    expect(fit.iterations).toBeGreaterThan(0);
    if (model === 'VVE') {
      // Strictly above mclust: on iris from the species 495.1722961983 against 494.7003761879.
      expect(q).toBeGreaterThan(ref.mstep.objective);
      return;
    }
    // mclust stops its inner iterations when Q stops changing, which leaves Σ_k about 1e-7 away.
    expect(q).toBeGreaterThanOrEqual(ref.mstep.objective - 1e-12 * Math.abs(ref.mstep.objective));
    expect(matrixError(fit.sigma, ref.mstep.sigma, d, k)).toBeLessThan(1e-6);
    expect(Math.abs(mine - ref.mstep.loglik)).toBeLessThan(1e-6 * Math.abs(ref.mstep.loglik));
  });
});

it('knows the fourteen models by mclust’s names only', () => {
  expect(COVARIANCE_MODELS).toHaveLength(14);
  expect(COVARIANCE_MODELS.every(isCovarianceModel)).toBe(true);
  for (const name of ['vvv', 'full', 'VVVV', 'EIV', '']) expect(isCovarianceModel(name)).toBe(false);
  // mclust's nVarParams(m, d = 10, G = 5), printed by R 4.2.2 with mclust 6.0.0.
  const counts = [1, 5, 10, 14, 46, 50, 55, 59, 91, 95, 235, 239, 271, 275];
  COVARIANCE_MODELS.forEach((model, i) => expect(covarianceParameters(model, 10, 5)).toBe(counts[i]));
});
