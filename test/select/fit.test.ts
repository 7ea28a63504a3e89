/**
 * Degenerate fits: the variance floor and vanishing components, with their warnings.
 */
import { describe, expect, it } from 'vitest';
import { drain } from '../../src/em/em.js';
import { EmFitError } from '../../src/errors.js';
import { maxAbs, varianceFloor } from '../../src/models/floor.js';
import type { GaussianMixture } from '../../src/models/gaussian.js';
import { fromDecimals } from '../../src/models/resolution.js';
import { noteText } from '../../src/report/notes.js';
import { mapLoglik } from '../../src/report/rows.js';
import { checkFittable, checkScale, type Fit, fitFrom } from '../../src/select/fit.js';
import { naiveEm, naivePartitionStart } from '../helpers/naive-em.js';
import { fitPartition } from '../helpers/seed.js';

describe('the variance floor', () => {
  it('holds a singleton label at the floor and says so', () => {
    const fit = fitPartition([1.2, 2.0, 2.1, 1.9, 2.4, 9.5], [1, 1, 1, 1, 1, 2], { floor: 0.01 / 12 });
    expect(fit.theta.variance[1]).toBe(0.01 / 12);
    expect(noteText(fit.notes[0])).toMatch(/^the variance of component "2" was held at the floor 0\.0008333 \(set by --min-variance\) at the start and in \d+ of \d+ iterations?, including the final fit$/);
    expect(Number.isFinite(fit.loglik)).toBe(true);
  });

  it('holds a component sitting on one repeated value at δ²/12 for integer data', () => {
    const x = [5, 5, 5, 5, 5, 5, 11, 12, 13, 14, 15, 16, 17];
    const labels = x.map((v) => (v === 5 ? 1 : 2));
    const fit = fitPartition(x, labels, { floor: 1 / 12 });
    expect(fit.theta.variance[0]).toBe(1 / 12);
    expect(fit.theta.mean[0]).toBe(5);
    // Reference: the plain EM of test/helpers with the same floor.
    const naive = naiveEm(x, naivePartitionStart(x, labels, 1 / 12), { maxIter: 1000, rtol: 1e-8, floor: 1 / 12 });
    expect(fit.iterations).toBe(naive.iterations);
    expect(Math.abs(fit.loglik - naive.logliks[naive.logliks.length - 1])).toBeLessThan(1e-12);
    expect(fit.notes.map(noteText).some((w) => w.includes('component "1" was held at the floor'))).toBe(true);
  });

  it('floors the common variance of the equal model', () => {
    const fit = fitPartition([1, 1, 1, 7, 7, 7], [1, 1, 1, 2, 2, 2], { floor: 1 / 12, variance: 'equal' });
    expect([...fit.theta.variance]).toEqual([1 / 12, 1 / 12]);
    expect(noteText(fit.notes[0])).toMatch(/^the common variance was held at the floor/);
    expect(fit.nParams).toBe(4);
  });
});

describe('a vanishing component', () => {
  it('is still reported, with weight 0 and a warning', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i) * 2);
    const theta0 = { weight: Float64Array.of(1 - 1e-20, 1e-20), mean: Float64Array.of(0, 100), variance: Float64Array.of(1, 1) };
    const floor = varianceFloor(fromDecimals(2), 2);
    const settings = { maxIter: 100, rtol: 1e-10, structure: { family: 'gaussian', variance: 'unequal' } as const, floor, largest: maxAbs(x) };
    const fit = drain(fitFrom({ x, w: null }, theta0, ['a', 'b'], settings, new Uint8Array(2))) as Fit<GaussianMixture>;
    expect(fit.theta.weight[1]).toBe(0);
    expect(fit.theta.weight[0]).toBe(1);
    expect(fit.theta.mean[1]).toBe(100);
    expect(Number.isFinite(fit.loglik)).toBe(true);
    expect(Number.isFinite(fit.entropy)).toBe(true);
    expect(fit.notes.map(noteText)).toContain('component "b" has weight 0, less than half an observation\'s worth: it has all but vanished; consider fewer components');
  });
});

describe('components ordered by mean', () => {
  it('keeps a parameter of the whole mixture (a grouped fit\'s heap share) when the components are reordered', () => {
    // Values on 0.1, with a heap on the whole numbers; the start puts the larger mean first.
    const x = Float64Array.from([0.3, 0.8, 1, 1, 1.2, 1.7, 2, 2, 2.4, 6.1, 6.6, 7, 7, 7.3, 7.9, 8, 8.2, 8.5]);
    const theta0 = { weight: Float64Array.of(0.5, 0.5), mean: Float64Array.of(7.5, 1.5), variance: Float64Array.of(0.6, 0.6) };
    const settings = {
      maxIter: 50,
      rtol: 1e-10,
      structure: { family: 'gaussian', variance: 'unequal' } as const,
      floor: varianceFloor(fromDecimals(1), maxAbs(x)),
      largest: maxAbs(x),
      coarsening: { step: 0.1, grid: 1 },
    };
    type Grouped = GaussianMixture & { heap: Float64Array };
    const asIs = drain(fitFrom({ x, w: null }, theta0, ['1', '2'], settings, new Uint8Array(2))) as Fit<Grouped>;
    const ordered = drain(fitFrom({ x, w: null }, theta0, ['1', '2'], { ...settings, orderByMean: true }, new Uint8Array(2))) as Fit<Grouped>;
    expect(asIs.spec.family).toBe('gaussian-grouped');
    expect(asIs.theta.mean[0]).toBeGreaterThan(asIs.theta.mean[1]);
    expect([...ordered.theta.mean]).toEqual([...asIs.theta.mean].reverse());
    expect([...ordered.theta.variance]).toEqual([...asIs.theta.variance].reverse());
    expect([...ordered.theta.weight]).toEqual([...asIs.theta.weight].reverse());
    expect(asIs.theta.heap[0]).toBeGreaterThan(0);
    expect(asIs.theta.heap[0]).toBeLessThan(1);
    expect([...ordered.theta.heap]).toEqual([...asIs.theta.heap]);
    // Its passes sum the coarsened likelihood: the reports take the density's MAP term by a pass of their own.
    expect(asIs.mapLoglik).toBeUndefined();
  });
});

describe("a fit's MAP term (mclust's ICL)", () => {
  it('comes from the last pass of a Gaussian fit, equal to a pass of its own at the fit', () => {
    const x = Float64Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 0 : 5) + Math.sin(i));
    const theta0 = { weight: Float64Array.of(0.5, 0.5), mean: Float64Array.of(-1, 6), variance: Float64Array.of(1, 1) };
    const settings = { maxIter: 100, rtol: 1e-10, structure: { family: 'gaussian', variance: 'unequal' } as const, floor: varianceFloor(fromDecimals(2), maxAbs(x)), largest: maxAbs(x) };
    const fit = drain(fitFrom({ x, w: null }, theta0, ['a', 'b'], settings, new Uint8Array(2))) as Fit<GaussianMixture>;
    const separate = mapLoglik(fit, x, null);
    expect(separate).toBeLessThan(0);
    // The same kernel at the same θ over the same rows: the same bits.
    expect(fit.mapLoglik).toBe(separate);
  });
});

describe('checkScale and checkFittable', () => {
  const data = (x: number[]) => ({ x: Float64Array.from(x), w: null });
  /** The error `check` throws (the test fails if it throws none). */
  const refusal = (check: () => void): EmFitError => {
    try {
      check();
    } catch (error) {
      expect(error).toBeInstanceOf(EmFitError);
      return error as EmFitError;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    [[1e200, -1e200, 0], 'the values span 2e+200, too wide for their variance to fit in a double'],
    [[1e-300, 2e-300, 3e-300], 'too little for their variance to fit in a double'],
  ])('checkScale refuses %j', (x, message) => {
    const error = refusal(() => checkScale(data(x)));
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain(message);
  });

  it('checkFittable refuses fewer distinct values than components', () => {
    const error = refusal(() => checkFittable(data([1, 1, 1]), 2));
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe('the data hold 1 distinct value, fewer than the 2 components asked for; use at most 1 component');
  });

  it('accepts a constant column for one component', () => {
    expect(() => checkScale(data([3, 3, 3]))).not.toThrow();
    expect(() => checkFittable(data([3, 3, 3]), 1)).not.toThrow();
  });
});
