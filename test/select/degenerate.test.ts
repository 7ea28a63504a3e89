/**
 * Degenerate components, on hand-made mixtures whose answers follow from their definitions.
 */
import { describe, expect, it } from 'vitest';
import type { VarianceModel } from '../../src/models/gaussian.js';
import type { FamilySpec } from '../../src/models/registry.js';
import { compress, degeneracies, observationsPerWeight, sampleRows } from '../../src/select/degenerate.js';
import { distinctSample } from '../../src/models/resolution.js';
import { mulberry32 } from '../../src/select/rng.js';

/** The spec of a two-component Gaussian mixture with this variance model and floor. */
const gaussian = (variance: VarianceModel, floor: number): FamilySpec => ({ family: 'gaussian', k: 2, variance, floor });

describe('compress', () => {
  it('gives the sorted distinct values with their total weights, dropping weight 0', () => {
    const compact = compress({ x: Float64Array.of(3, 1, 3, 2, 1, 5), w: Float64Array.of(1, 2, 0.5, 0, 1, 1) });
    expect([...compact.x]).toEqual([1, 3, 5]);
    expect([...(compact.w as Float64Array)]).toEqual([3, 1.5, 1]);
  });
});

describe('degeneracies', () => {
  // 100 values spread over 1..10 (on 0.1), and ties on 20.
  const spread = Array.from({ length: 100 }, (_, i) => 1 + Math.round(90 * ((i * 0.618) % 1)) / 10);
  const data = (ties: number) => compress({ x: Float64Array.from([...spread, ...Array(ties).fill(20)]), w: null });

  it('flags a component on a single value, with the value', () => {
    const theta = { weight: Float64Array.of(100 / 115, 15 / 115), mean: Float64Array.of(5.5, 20), variance: Float64Array.of(6.75, 0.01) };
    const found = degeneracies(gaussian('unequal', 1e-4), theta, data(15), 115, 1, 0.1);
    expect(found).toEqual([{ component: 1, kind: 'single-value', value: expect.closeTo(1, 6), at: 20 }]);
  });

  it('flags a component on one observation and its neighbours\' shares, not one on a pair', () => {
    const theta = (worth: number) => ({ weight: Float64Array.of(100 / (100 + worth), worth / (100 + worth)), mean: Float64Array.of(5.5, 30), variance: Float64Array.of(6.75, 4) });
    const found = degeneracies(gaussian('unequal', 1e-4), theta(1.4), data(0), 101.4, 1, 0.1);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ component: 1, kind: 'weight', value: expect.closeTo(1.4, 12) });
    expect(degeneracies(gaussian('unequal', 1e-4), theta(1.9), data(0), 101.9, 1, 0.1).filter((d) => d.kind === 'weight')).toEqual([]);
  });

  it('flags a component whose peak density exceeds 1/δ (σ < δ/√(2π)), not one just wider', () => {
    const theta = (sd: number) => ({ weight: Float64Array.of(0.5, 0.5), mean: Float64Array.of(3, 7), variance: Float64Array.of(sd * sd, 4) });
    const narrow = degeneracies(gaussian('unequal', 1e-4), theta(0.39), data(0), 100, 1, 1);
    expect(narrow.map((d) => d.kind)).toContain('narrow');
    expect(degeneracies(gaussian('unequal', 1e-4), theta(0.4), data(0), 100, 1, 1).filter((d) => d.kind === 'narrow')).toEqual([]);
  });

  describe('on heaped data (a grouped fit with a heap grid)', () => {
    // The cluster of panel set d_k4-equal-sep_n50_r5 (δ = 0.1, a fifth of the values heaped
    // on whole numbers): nine of its thirteen values on the heap point 3, the rest 2.9, 3.1,
    // 3.2, 3.2; and 40 values spread over 5..9. Counted on the recorded values, the cluster's
    // weight spreads over (13²)/(9² + 1 + 1 + 2²) = 1.94 values: a spike by the single-value
    // rule, which rejected every K = 4 fit of that set.
    const cluster = [3, 3, 3, 3, 3, 3, 3, 3, 3, 2.9, 3.1, 3.2, 3.2];
    const rest = Array.from({ length: 40 }, (_, i) => Math.round(50 + (i * 40) / 39) / 10);
    const compact = compress({ x: Float64Array.from([...cluster, ...rest]), w: null });
    const coarsening = { step: 0.1, grid: 1 };
    const theta = (sd: number, mean = 3.03) => ({ weight: Float64Array.of(13 / 53, 40 / 53), mean: Float64Array.of(mean, 7), variance: Float64Array.of(sd * sd, 1.5), heap: Float64Array.of(0.3) });
    const spec = gaussian('unequal', 1e-4);

    it('counts a heap point\'s heaped share over the values it stands for', () => {
      expect(degeneracies(spec, theta(0.2), compact, 53, 1, 0.1)).toEqual([{ component: 0, kind: 'single-value', value: expect.closeTo(169 / 87, 2), at: 3 }]);
      expect(degeneracies(spec, theta(0.2), compact, 53, 1, 0.1, coarsening)).toEqual([]);
    });

    it('still flags a spike on a heap point', () => {
      // σ = 0.05 (above the narrow rule's δ/√(2π) = 0.04): the heaped share of 3 (p P(3 ± 0.5)
      // / (p P(3 ± 0.5) + (1 − p) P(3 ± 0.05)) = 0.3/(0.3 + 0.7 · 0.68) = 0.39) goes back to
      // 3, 2.9 and 3.1 as 0.68, 0.16 and 0.16 of it, so the component still sits on one value.
      const found = degeneracies(spec, theta(0.05, 3), compact, 53, 1, 0.1, coarsening);
      expect(found).toEqual([{ component: 0, kind: 'single-value', value: expect.any(Number), at: 3 }]);
    });
  });

  it('finds nothing wrong with a plain two-component fit', () => {
    const theta = { weight: Float64Array.of(0.5, 0.5), mean: Float64Array.of(3, 8), variance: Float64Array.of(1.5, 1.5) };
    expect(degeneracies(gaussian('equal', 1e-4), theta, data(0), 100, 1, 0.1)).toEqual([]);
  });
});

describe('observationsPerWeight and sampleRows', () => {
  it('count fractional weights as observations, frequency weights as themselves', () => {
    expect(observationsPerWeight(100, 100)).toBe(1);
    expect(observationsPerWeight(10, 1096)).toBe(1);
    expect(observationsPerWeight(100, 1)).toBe(100);
  });

  it('keeps small data whole and takes evenly spaced rows of large data', () => {
    const small = { x: Float64Array.of(1, 2, 3), w: null };
    expect(sampleRows(small)).toBe(small);
    const big = sampleRows({ x: Float64Array.from({ length: 10 }, (_, i) => i), w: null }, 4);
    expect([...big.x]).toEqual([0, 3, 6, 9]);
  });
});

describe('tight clusters of a few points', () => {
  // 50 values a gap of 0.1 apart, the median gap, plus a pair 0.0002 apart at 10.
  const x = Float64Array.from([...Array.from({ length: 50 }, (_, i) => i / 10), 10, 10.0002]);
  const compact = compress({ x, w: null });

  it('flags a component on a pair narrower than the typical gap, with the gap', () => {
    const theta = { weight: Float64Array.of(50 / 52, 2 / 52), mean: Float64Array.of(2.45, 10.0001), variance: Float64Array.of(2.1, 1e-8) };
    const found = degeneracies(gaussian('unequal', 1e-20), theta, compact, 52, 1, 1e-15);
    expect(found).toEqual([{ component: 1, kind: 'tight', value: 1e-4, spacing: expect.closeTo(0.1, 12) }]);
  });

  it('lets a narrow component on many points be', () => {
    // The same width on 20 points (a genuine narrow cluster): FEW_POINTS is 5.
    const many = compress({ x: Float64Array.from([...Array.from({ length: 50 }, (_, i) => i / 10), ...Array.from({ length: 20 }, (_, i) => 10 + i * 1e-5)]), w: null });
    const theta = { weight: Float64Array.of(50 / 70, 20 / 70), mean: Float64Array.of(2.45, 10.0001), variance: Float64Array.of(2.1, 4e-9) };
    expect(degeneracies(gaussian('unequal', 1e-20), theta, many, 70, 1, 1e-15)).toEqual([]);
  });
});

describe('the degeneracy check\'s sample', () => {
  // fit.ts takes the resolution's sorted distinct values from the check's sample: the same rows, the same values.
  it('holds the distinct values of the resolution\'s sample', () => {
    const random = mulberry32(12);
    for (const n of [10, 1000, 250_001]) {
      const x = Float64Array.from({ length: n }, () => Math.round(100 * random()) / 10);
      const w = Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? 0 : 1 + (i % 3)));
      for (const weights of [null, w]) {
        expect(Array.from(compress(sampleRows({ x, w: weights })).x)).toEqual(Array.from(distinctSample(x, weights)));
      }
    }
  });
});
