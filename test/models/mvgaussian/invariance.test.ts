/**
 * What the covariance M-steps owe to symmetry: permuting the components permutes the output,
 * scaling the data by a scales every Σ_k by a², and translating the data changes nothing once
 * the scatter is taken about the mean from centred statistics. Also components with no weight,
 * and the errors for malformed input.
 */
import { describe, expect, it } from 'vitest';
import { covarianceMStep, type ScatterStatistics } from '../../../src/models/mvgaussian/covariance.js';
import { COVARIANCE_MODELS, type CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { matrixError, mclust, responsibilities, rows, scatterOf } from './fixture.js';

const irisRough = mclust.cases.find((c) => c.name === 'iris-rough')!;
const x = rows('iris');
const tau = responsibilities(irisRough);
const stats = scatterOf(x, tau);
const d = 4;
const dd = d * d;
/** Binds for several models on the rough partition (the iris variances reach down to 0.01). */
const floor = Float64Array.of(0.05, 0.05, 0.02, 0.02);

/**
 * How closely two runs on equivalent input agree. EVE and VVE under a binding floor stop where no
 * single-plane rotation gains (block ascent on a function with kinks where bounds start to bind),
 * and two runs whose rounding differs stop up to 1e-9 apart; everything else agrees to rounding.
 */
const agreement = (model: CovarianceModel, fit: { floored: Uint8Array }): number =>
  (model === 'EVE' || model === 'VVE') && fit.floored.some((b) => b === 1) ? 1e-9 : 1e-12;

/** K blocks of `size` values reordered: block c of the result is block order[c] of `v`. */
function permute<T extends Float64Array | Uint8Array>(v: T, order: number[], size: number): T {
  const out = v.slice() as T;
  order.forEach((from, c) => out.set(v.subarray(from * size, (from + 1) * size), c * size));
  return out;
}

describe.each([
  ['without a floor', null],
  ['with a floor', floor],
] as const)('permuting the components permutes every output, %s', (_, f) => {
  const order = [2, 0, 1];
  const previous = covarianceMStep('VVV', stats).sigma;
  const permuted: ScatterStatistics = { d, k: 3, weight: permute(stats.weight, order, 1), scatter: permute(stats.scatter, order, dd) };
  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const a = covarianceMStep(model, stats, { floor: f, previous });
    const b = covarianceMStep(model, permuted, { floor: f, previous: permute(previous, order, dd) });
    expect(matrixError(b.sigma, permute(a.sigma, order, dd), d, 3)).toBeLessThan(agreement(model, a));
    expect([...b.floored]).toEqual([...permute(a.floored, order, 1)]);
    expect(b.objective).toBeCloseTo(a.objective, 10);
  });
});

describe.each([10, 2 ** -5])('scaling the data by %s scales Σ_k by its square', (a) => {
  const scaled: ScatterStatistics = { d, k: 3, weight: stats.weight, scatter: stats.scatter.map((v) => a * a * v) };
  it.each(COVARIANCE_MODELS)('%s', (model) => {
    for (const f of [null, floor]) {
      const one = covarianceMStep(model, stats, { floor: f });
      const two = covarianceMStep(model, scaled, { floor: f && f.map((v) => a * a * v) });
      expect(matrixError(two.sigma, one.sigma.map((v) => a * a * v), d, 3)).toBeLessThan(agreement(model, one));
      expect([...two.floored]).toEqual([...one.floored]);
      // log|a²Σ| = log|Σ| + 2d log a; the trace term does not change.
      const n = stats.weight.reduce((s, w) => s + w, 0);
      expect(two.objective).toBeCloseTo(one.objective - n * d * Math.log(a), 9);
    }
  });
});

describe('translating the data by 1e9 changes nothing when the scatter is centred', () => {
  // x' = fl(x + c) holds the values x' − c (exactly: Sterbenz), which differ from x by the
  // rounding of the translation, up to 6e-8 at 1e9.
  const offset = [1e9, -2e9, 3e9, 1e9];
  const moved = x.map((row) => row.map((v, j) => v + offset[j]));
  const held = moved.map((row) => row.map((v, j) => v - offset[j]));
  const k = 3;

  /**
   * The shifted-data algorithm of gaussian.ts in d dimensions: sums of r (x − m) and
   * r (x − m)(x − m)ᵀ about a centre m, then W = S2 − S1 S1ᵀ / N. About a centre near the mean
   * (the first row) each x − m is exact, so W is as accurate as at the origin; about m = 0 this
   * is the one-pass textbook formula Σ r x xᵀ − N μ μᵀ, which cancels catastrophically far from 0.
   */
  function shifted(rowsOf: number[][], m: number[]): ScatterStatistics {
    const weight = new Float64Array(k);
    const scatter = new Float64Array(k * dd);
    const s1 = new Float64Array(k * d);
    rowsOf.forEach((row, i) => {
      const y = row.map((v, j) => v - m[j]);
      for (let c = 0; c < k; c++) {
        const r = tau[i][c];
        weight[c] += r;
        for (let p = 0; p < d; p++) {
          s1[c * d + p] += r * y[p];
          for (let q = 0; q < d; q++) scatter[c * dd + p * d + q] += r * y[p] * y[q];
        }
      }
    });
    for (let c = 0; c < k; c++) for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) scatter[c * dd + p * d + q] -= (s1[c * d + p] * s1[c * d + q]) / weight[c];
    return { d, k, weight, scatter };
  }

  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const reference = covarianceMStep(model, scatterOf(held, tau), { floor });
    const far = covarianceMStep(model, shifted(moved, moved[0]), { floor });
    expect(matrixError(far.sigma, reference.sigma, d, k)).toBeLessThan(agreement(model, reference));
    // And the data as written, before the translation rounded them, are 6e-8 away.
    const original = covarianceMStep(model, scatterOf(x, tau), { floor });
    expect(matrixError(far.sigma, original.sigma, d, k)).toBeLessThan(1e-5);
  });

  it('while the uncentred one-pass formula loses every digit', () => {
    const reference = covarianceMStep('VVV', scatterOf(held, tau), { floor });
    let wrong: number;
    try {
      wrong = matrixError(covarianceMStep('VVV', shifted(moved, [0, 0, 0, 0]), { floor }).sigma, reference.sigma, d, k);
    } catch {
      wrong = Infinity;
    }
    expect(wrong).toBeGreaterThan(1);
  });
});

describe('components with no weight', () => {
  it.each(COVARIANCE_MODELS)('%s: take no part, and get the heaviest component’s Σ', (model) => {
    // The rough partition's three components with an empty one inserted second.
    const weight = Float64Array.of(stats.weight[0], 0, stats.weight[1], stats.weight[2]);
    const scatter = new Float64Array(4 * dd);
    scatter.set(stats.scatter.subarray(0, dd), 0);
    scatter.set(stats.scatter.subarray(dd), 2 * dd);
    const four = covarianceMStep(model, { d, k: 4, weight, scatter }, { floor });
    const three = covarianceMStep(model, stats, { floor });
    const kept = new Float64Array(3 * dd);
    kept.set(four.sigma.subarray(0, dd), 0);
    kept.set(four.sigma.subarray(2 * dd), dd);
    expect(matrixError(kept, three.sigma, d, 3)).toBe(0);
    const top = stats.weight.indexOf(Math.max(...stats.weight));
    expect([...four.sigma.subarray(dd, 2 * dd)]).toEqual([...three.sigma.subarray(top * dd, (top + 1) * dd)]);
    expect(four.floored[1]).toBe(0);
    expect(four.objective).toBe(three.objective);
  });
});

describe('malformed input', () => {
  const ok = { d: 2, k: 1, weight: Float64Array.of(3), scatter: Float64Array.of(2, 1, 1, 2) };
  it('is refused with a RangeError that names the problem', () => {
    expect(() => covarianceMStep('VVV', { ...ok, d: 0 })).toThrow(/positive integers/);
    expect(() => covarianceMStep('VVV', { ...ok, weight: Float64Array.of(1, 2) })).toThrow(/expected 1 weights/);
    expect(() => covarianceMStep('VVV', { ...ok, scatter: new Float64Array(3) })).toThrow(/expected 1 weights/);
    expect(() => covarianceMStep('VVV', { ...ok, weight: Float64Array.of(0) })).toThrow(/weight 0/);
    expect(() => covarianceMStep('VVV', ok, { floor: Float64Array.of(1, 0) })).toThrow(/floor/);
    expect(() => covarianceMStep('VVV', ok, { floor: Float64Array.of(1) })).toThrow(/floor/);
    expect(() => covarianceMStep('VVV', ok, { previous: new Float64Array(2) })).toThrow(/previous/);
  });
});
