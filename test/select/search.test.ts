/**
 * The model search. References: R mclust 6.0.0 on Old Faithful waiting times
 * (Mclust(x, G = 1:6, modelNames = c("E", "V")), run outside the repository), and the
 * figures of the model-selection issue: K = 2 with equal variances, ℓ = −1034.002,
 * BIC 2090.43.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drain } from '../../src/em/em.js';
import { maxAbs, varianceFloor } from '../../src/models/floor.js';
import { fromDecimals } from '../../src/models/resolution.js';
import type { GaussianMixture, VarianceModel } from '../../src/models/gaussian.js';
import { noteText } from '../../src/report/notes.js';
import { type Fit, fitFrom } from '../../src/select/fit.js';
import { remainingGain, type SearchSettings, searchModels } from '../../src/select/search.js';
import { fixture } from '../helpers/cli.js';
import { sampleMixture } from '../helpers/mixture.js';

const waiting = Float64Array.from(readFileSync(fixture('faithful.csv'), 'utf8').trim().split('\n').slice(1).map(Number));
const faithful = { x: waiting, w: null };

const gaussian = (variance: VarianceModel) => ({ family: 'gaussian', variance }) as const;

/** A Gaussian fit's variance model (every candidate here is Gaussian). */
function varianceOf(fit: Fit): VarianceModel {
  if (fit.structure.family !== 'gaussian') throw new Error(`a ${fit.structure.family} fit, not a Gaussian one`);
  return fit.structure.variance;
}

const means = (fit: Fit): Float64Array => (fit.theta as GaussianMixture).mean;

const settings = (over: Partial<SearchSettings> = {}): SearchSettings => ({
  ks: [1, 2, 3, 4, 5, 6],
  structures: [gaussian('equal'), gaussian('unequal')],
  criterion: 'bic',
  initMethod: 'kmeans++',
  nInit: 10,
  seed: 0,
  maxIter: 1000,
  rtol: 1e-8,
  accel: 'squarem',
  floor: varianceFloor(fromDecimals(0), 96),
  largest: maxAbs(waiting),
  guard: 'none',
  ...over,
});

/** mclust 6.0.0's log-likelihood for each (K, model) on faithful$waiting. */
const MCLUST: Record<string, number> = {
  'equal:1': -1095.2888005007117,
  'equal:2': -1034.002034230761,
  'equal:3': -1034.1072331667237,
  'equal:4': -1031.7494067278392,
  'equal:5': -1031.2005896650135,
  'equal:6': -1031.2509439708397,
  'unequal:1': -1095.2888005007117,
  'unequal:2': -1034.0073624042107,
  'unequal:3': -1034.0743108728798,
  'unequal:4': -1032.5264407823006,
  'unequal:5': -1031.1673982552845,
  'unequal:6': -1028.7671425539409,
};

describe('model search on Old Faithful waiting times', () => {
  const selection = drain(searchModels(faithful, settings()));

  it('selects K = 2 with equal variances: ℓ = −1034.002, BIC 2090.43', () => {
    expect(selection.best.labels).toHaveLength(2);
    expect(varianceOf(selection.best)).toBe('equal');
    expect(selection.best.loglik).toBeCloseTo(-1034.002, 3);
    expect(selection.best.bic).toBeCloseTo(2090.43, 2);
    // mclust's E,2 means are 54.617 and 80.092: the same optimum, components by mean.
    expect(means(selection.best)[0]).toBeCloseTo(54.61, 1);
    expect(means(selection.best)[1]).toBeCloseTo(80.09, 1);
  });

  it('reaches at least mclust\'s log-likelihood for every candidate', () => {
    expect(selection.candidates).toHaveLength(12);
    for (const fit of selection.candidates) {
      const reference = MCLUST[`${varianceOf(fit)}:${fit.labels.length}`];
      expect(fit.loglik, `${varianceOf(fit)}, K = ${fit.labels.length}`).toBeGreaterThanOrEqual(reference - 1e-9);
    }
    // The case the issue names: mclust stops at −1034.007 for K = 2, unequal variances.
    const v2 = selection.candidates.find((f) => varianceOf(f) === 'unequal' && f.labels.length === 2);
    expect(v2?.loglik).toBeCloseTo(-1034.0017, 3);
  });

  it('lists the candidates by K, then variance model, with criteria from their ℓ', () => {
    expect(selection.candidates.map((f) => `${f.labels.length}${varianceOf(f)[0]}`)).toEqual(['1e', '1u', '2e', '2u', '3e', '3u', '4e', '4u', '5e', '5u', '6e', '6u']);
    for (const fit of selection.candidates) {
      const p = varianceOf(fit) === 'equal' ? 2 * fit.labels.length : 3 * fit.labels.length - 1;
      expect(fit.nParams).toBe(p);
      expect(fit.bic).toBeCloseTo(-2 * fit.loglik + p * Math.log(272), 9);
      expect(fit.aic).toBeCloseTo(-2 * fit.loglik + 2 * p, 9);
      expect(fit.icl).toBeCloseTo(fit.bic + 2 * fit.entropy, 9);
    }
  });

  it('gives the same best model for other seeds', () => {
    for (const seed of [1, 2, 3]) {
      const other = drain(searchModels(faithful, settings({ seed })));
      expect([other.best.labels.length, varianceOf(other.best)]).toEqual([2, 'equal']);
    }
  });

  it('gives the same numbers for the same seed', () => {
    const again = drain(searchModels(faithful, settings()));
    expect(again.candidates.map((f) => f.loglik)).toEqual(selection.candidates.map((f) => f.loglik));
  });
});

describe('spurious maxima on discretized data', () => {
  // A component started on 78 minutes, where 15 of the 272 waiting times tie.
  const spike = 15 / 272;
  const start = () => ({
    weight: Float64Array.of(0.361 * (1 - spike), spike, 0.639 * (1 - spike)),
    mean: Float64Array.of(54.61, 78, 80.09),
    variance: Float64Array.of(34.45, 0.01, 34.45),
  });
  const fit = (floor: number | undefined, variance: VarianceModel = 'unequal') =>
    drain(
      fitFrom(faithful, start(), ['1', '2', '3'], { maxIter: 1000, rtol: 1e-10, structure: gaussian(variance), floor: varianceFloor(fromDecimals(0), 96, floor), largest: maxAbs(waiting) }, new Uint8Array(3)),
    ) as Fit<GaussianMixture>;

  it('without a floor, a component collapses onto one integer and BIC would prefer it', () => {
    const spurious = fit(1e-12);
    expect(spurious.theta.mean[1]).toBe(78);
    expect(spurious.theta.variance[1]).toBe(1e-12);
    // ℓ −850.01 and BIC 1744.87, far "better" than the real two-component answer's 2090.43.
    expect(spurious.loglik).toBeGreaterThan(-900);
    expect(spurious.bic).toBeLessThan(2090);
  });

  it('with the resolution floor (1/12 for integers) the same start is no longer preferred', () => {
    const floored = fit(undefined);
    expect(floored.theta.variance[1]).toBe(1 / 12);
    expect(floored.loglik).toBeLessThan(-1030);
    expect(floored.bic).toBeGreaterThan(2090.43);
    expect(floored.notes.map(noteText).some((w) => w.startsWith('the variance of component "2" was held at the floor 0.08333'))).toBe(true);
  });
});

describe('the search on other data', () => {
  it('selects K = 3 for 5,000 rows from three well-separated components', () => {
    const { x } = sampleMixture(5000, [0.3, 0.4, 0.3], [-10, 0, 12], [1, 2, 1.5], 99, 3);
    const data = Float64Array.from(x);
    const selection = drain(searchModels({ x: data, w: null }, settings({ ks: [1, 2, 3, 4, 5], floor: varianceFloor(fromDecimals(3), 20), largest: maxAbs(data) })));
    expect(selection.best.labels).toHaveLength(3);
    expect(means(selection.best)[0]).toBeCloseTo(-10, 0);
    expect(means(selection.best)[1]).toBeCloseTo(0, 0);
    expect(means(selection.best)[2]).toBeCloseTo(12, 0);
  });

  it('K = 1 gives the sample mean, the variance with divisor n and the Gaussian log-likelihood', () => {
    const selection = drain(searchModels(faithful, settings({ ks: [1], structures: [gaussian('unequal')] })));
    const n = waiting.length;
    const mean = waiting.reduce((a, b) => a + b, 0) / n;
    const variance = waiting.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const loglik = -0.5 * n * (Math.log(2 * Math.PI * variance) + 1);
    const fit = selection.best as Fit<GaussianMixture>;
    expect(fit.theta.weight[0]).toBe(1);
    expect(fit.theta.mean[0]).toBeCloseTo(mean, 12);
    expect(fit.theta.variance[0]).toBeCloseTo(variance, 10);
    expect(fit.loglik).toBeCloseTo(loglik, 10);
    // mclust: mean 70.89705882352942, variance 184.14381487889273, ℓ −1095.2888005007117.
    expect(fit.loglik).toBeCloseTo(-1095.2888005007117, 10);
  });

  it('skips candidates with more components than distinct values, and says so', () => {
    const x = Float64Array.of(1, 1, 2, 2, 3, 3, 3);
    const selection = drain(searchModels({ x, w: null }, settings({ ks: [1, 2, 3, 4], structures: [gaussian('unequal')], largest: maxAbs(x) })));
    expect(selection.candidates.map((f) => f.labels.length)).toEqual([1, 2, 3]);
    expect(selection.skipped.map(noteText)).toEqual(['K = 4 was not fitted: the data hold 3 distinct values, fewer than the 4 components asked for; use at most 3 components']);
  });
});

describe('remainingGain: what more iterations could still add to ℓ', () => {
  const fit = (objectives: number[], converged = true) =>
    ({ converged, trace: objectives.map((objective, iteration) => ({ iteration, loglik: objective, objective, elbo: null, step: 'em' })) }) as unknown as Parameters<typeof remainingGain>[0];
  it("is Aitken's geometric tail d₂·a/(1 − a) when the gains shrink at a rate a below 0.99", () => {
    // Gains 1, 0.5: a = 0.5, so 0.5·0.5/0.5 = 0.5 more (0.25 + 0.125 + … by hand).
    expect(remainingGain(fit([0, 1, 1.5]))).toBeCloseTo(0.5, 12);
  });
  it('takes the slow rate 0.999 for one gain only, for growing gains and for a crawl', () => {
    expect(remainingGain(fit([0, 0.01]))).toBeCloseTo(0.01 * 999, 9);
    expect(remainingGain(fit([0, 0.01, 0.03]))).toBeCloseTo(0.02 * 999, 9);
    expect(remainingGain(fit([0, 1, 1.995]))).toBeCloseTo(0.995 * 999, 6);
  });
  it('is 0 once ℓ stops rising, and unbounded for a run that has not converged', () => {
    expect(remainingGain(fit([0, 1, 1]))).toBe(0);
    expect(remainingGain(fit([5]))).toBe(0);
    expect(remainingGain(fit([0, 1, 1.5], false))).toBe(Infinity);
  });
});
