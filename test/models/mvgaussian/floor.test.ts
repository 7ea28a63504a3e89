/**
 * The variance floor F = diag(f) of the covariance M-steps: it changes nothing when it does not
 * bind; when it binds every Σ_k respects it (Σ_k ≽ F, or along each of the component's axes for
 * EEV, VEV, EVE and VVE) and keeps its model's constraint; the models that claim the exact
 * constrained maximum have it (random feasible perturbations and compass searches find no larger
 * Q); and no M-step returns a smaller Q than the previous Σ_k had.
 */
import { describe, expect, it } from 'vitest';
import { EmFitError } from '../../../src/errors.js';
import { covarianceMStep, type ScatterStatistics } from '../../../src/models/mvgaussian/covariance.js';
import { eigenWorkLength, symmetricEigen } from '../../../src/models/mvgaussian/linalg.js';
import { COVARIANCE_MODELS, type CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { mulberry32 } from '../../helpers/mixture.js';
import { naiveCholesky } from '../../helpers/naive-mv-em.js';
import { constraintError, matrices, mclust, naiveObjective, responsibilities, rows, scatterOf, volume } from './fixture.js';
import { compass, count, q2, sigmas } from './two-by-two.js';

/** Models whose floor is Σ_k ≽ F; the others bound the variance along each of their axes. */
const LOEWNER = new Set<CovarianceModel>(['EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE', 'VEE', 'EVV', 'VVV']);
/** Models whose M-step is the exact maximum under the floor. */
const EXACT = new Set<CovarianceModel>(['EII', 'VII', 'EEI', 'VVI', 'EVI', 'EEE', 'VVV', 'EVV']);

/** Σ − (1 − slack) F is positive definite (the plain Cholesky succeeds). */
function above(s: number[][], f: number[], slack: number): boolean {
  try {
    naiveCholesky(s.map((row, i) => row.map((v, j) => v - (i === j ? (1 - slack) * f[i] : 0))));
    return true;
  } catch {
    return false;
  }
}

/** Along each eigenvector v of Σ its variance σ is at least vᵀ F v (1 − slack); tight when one is within `slack` of it. */
function axes(s: number[][], f: number[], slack: number): { ok: boolean; tight: boolean } {
  const d = s.length;
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  symmetricEigen(d, Float64Array.from(s.flat()), values, vectors, new Float64Array(eigenWorkLength(d)));
  let ok = true;
  let tight = false;
  for (let j = 0; j < d; j++) {
    let g = 0;
    for (let i = 0; i < d; i++) g += f[i] * vectors[i * d + j] ** 2;
    if (values[j] < g * (1 - slack)) ok = false;
    if (values[j] <= g * (1 + slack)) tight = true;
  }
  return { ok, tight };
}

/** Checks the floor on every Σ_k and that `floored` says where it binds. */
function expectFloorHeld(model: CovarianceModel, sigma: Float64Array, floored: Uint8Array, f: number[], d: number, k: number): void {
  matrices(sigma, d, k).forEach((s, c) => {
    if (LOEWNER.has(model)) {
      expect(above(s, f, 1e-10)).toBe(true);
      expect(above(s, f, -1e-9)).toBe(floored[c] === 0);
    } else {
      const { ok, tight } = axes(s, f, 1e-9);
      expect(ok).toBe(true);
      expect(tight).toBe(floored[c] === 1);
    }
  });
}

const faithfulCase = mclust.cases.find((c) => c.name === 'faithful-waiting68')!;
const faithful = scatterOf(rows('faithful'), responsibilities(faithfulCase));
const irisSpecies = scatterOf(rows('iris'), responsibilities(mclust.cases[0]));
/** About the faithful components' own variances, 0.17 and 34 (for both components). */
const typical = [0.17, 34];

describe('a floor that does not bind', () => {
  it.each(COVARIANCE_MODELS)('%s: changes nothing', (model) => {
    const free = covarianceMStep(model, irisSpecies);
    const floored = covarianceMStep(model, irisSpecies, { floor: new Float64Array(4).fill(1e-6) });
    expect([...floored.floored]).toEqual([0, 0, 0]);
    for (let e = 0; e < free.sigma.length; e++) expect(floored.sigma[e]).toBeCloseTo(free.sigma[e], 14);
  });
});

describe.each([0.5, 0.9, 1.2, 3])('faithful with a floor at %s × the variances', (t) => {
  const f = typical.map((v) => t * v);
  const floor = Float64Array.from(f);

  it.each(COVARIANCE_MODELS)('%s: holds, keeps the model, and binds where the free estimate would not hold', (model) => {
    const fit = covarianceMStep(model, faithful, { floor });
    expect(fit.converged).toBe(true);
    expectFloorHeld(model, fit.sigma, fit.floored, f, 2, 2);
    expect(constraintError(model, fit.sigma, 2, 2)).toBeLessThan(1e-9);
    const free = covarianceMStep(model, faithful);
    const violated = matrices(free.sigma, 2, 2).some((s) => (LOEWNER.has(model) ? !above(s, f, 0) : !axes(s, f, 0).ok));
    expect(fit.floored.some((b) => b === 1)).toBe(violated);
    if (t === 3) expect([...fit.floored]).toEqual([1, 1]);
    if (!violated) expect(fit.objective).toBeCloseTo(free.objective, 10);
    else expect(fit.objective).toBeLessThan(free.objective);
  });
});

/** The parameters [log λ…, s…, θ…] of two-by-two.ts that give these 2 × 2 Σ_k under `model`. */
function parameters(model: CovarianceModel, s: number[][][]): number[] {
  const k = s.length;
  const each = s.map(([[a, b], [, e]]) => {
    if (model[2] === 'I') return { lambda: Math.log(a * e) / 2, shape: Math.log(a / e) / 2, angle: 0 };
    const r = Math.hypot((a - e) / 2, b);
    const [s1, s2] = [(a + e) / 2 + r, (a + e) / 2 - r];
    return { lambda: Math.log(s1 * s2) / 2, shape: Math.log(s1 / s2) / 2, angle: Math.atan2(2 * b, a - e) / 2 };
  });
  const take = (letter: string, key: 'lambda' | 'shape' | 'angle'): number[] => each.slice(0, count(letter, k)).map((v) => v[key]);
  return [...take(model[0], 'lambda'), ...take(model[1], 'shape'), ...take(model[2], 'angle')];
}

const synthetic = (): ScatterStatistics => {
  const u = mulberry32(77);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const x: number[][] = [];
  const tau: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const c = i % 3;
    const g = [normal(), normal()];
    x.push(c === 0 ? [g[0] * 2, g[0] + 0.3 * g[1]] : c === 1 ? [5 + 0.4 * g[0], 0.2 * g[1]] : [1 + g[0], 4 + 3 * g[1]]);
    const z = [u(), u(), u()];
    z[c] += 4;
    const sum = z[0] + z[1] + z[2];
    tau.push(z.map((v) => v / sum));
  }
  return scatterOf(x, tau);
};

const exactCases: [ScatterStatistics, number[]][] = [
  [faithful, [0.16, 36]],
  [faithful, [0.2, 1]],
  [synthetic(), [0.5, 0.5]],
  [synthetic(), [0.001, 2]],
  [synthetic(), [3, 5]],
];

describe('the exact constrained maximum, in two dimensions', () => {
  it.each([...EXACT])('%s', (model) => {
    let binding = 0;
    for (const [stats, f] of exactCases) {
      const fit = covarianceMStep(model, stats, { floor: Float64Array.from(f) });
      if (!fit.floored.some((b) => b === 1)) continue;
      binding++;
      const feasible = (s: number[][][]): boolean => s.every((m) => above(m, f, 0));
      const p = parameters(model, matrices(fit.sigma, 2, stats.k));
      // The parameters reproduce the M-step's Σ_k, so perturbing them explores around it.
      const again = sigmas(model, stats.k, p).flat(2);
      for (let e = 0; e < again.length; e++) expect(again[e]).toBeCloseTo(fit.sigma[e], 10);
      const q = fit.objective;
      const u = mulberry32(model.charCodeAt(1) * 31 + binding);
      let tried = 0;
      for (const scale of [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]) {
        for (let r = 0; r < 300; r++) {
          const s = sigmas(
            model,
            stats.k,
            p.map((v) => v + scale * (2 * u() - 1)),
          );
          if (!feasible(s)) continue;
          tried++;
          expect(q2(stats, s)).toBeLessThanOrEqual(q + 1e-12 * Math.abs(q));
        }
      }
      expect(tried).toBeGreaterThan(100);
      // Compass searches with the floor as a wall, from random starts, find nothing larger.
      for (let r = 0; r < 6; r++) {
        const start = p.map((v) => v + (2 * u() - 1));
        const found = compass((x) => {
          const s = sigmas(model, stats.k, x);
          return feasible(s) ? q2(stats, s) : -Infinity;
        }, start);
        expect(found.value).toBeLessThanOrEqual(q + 1e-12 * Math.abs(q));
      }
    }
    expect(binding).toBeGreaterThanOrEqual(2);
  });
});

describe('M-steps under a binding floor never lower Q below the previous Σ_k', () => {
  // Iris with a fourth component on three setosa rows: its scatter is singular.
  const x = rows('iris');
  const base = responsibilities(mclust.cases[0]).map((r, i) => (i < 3 ? [0, 0, 0, 1] : [...r, 0]));
  const floor = new Float64Array(4).fill(0.01 / 12);
  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const u = mulberry32(model.charCodeAt(0) + model.charCodeAt(1) + model.charCodeAt(2));
    let previous = covarianceMStep(model, scatterOf(x, base), { floor }).sigma;
    for (let step = 0; step < 15; step++) {
      // Responsibilities moved at random from the hard start, as EM's would move.
      const tau = base.map((r) => {
        const z = r.map((v) => v + 0.3 * u() ** 3);
        const s = z.reduce((a, b) => a + b, 0);
        return z.map((v) => v / s);
      });
      const stats = scatterOf(x, tau);
      const fit = covarianceMStep(model, stats, { floor, previous });
      expect(fit.objective).toBeGreaterThanOrEqual(naiveObjective(stats, previous) - 1e-12 * Math.abs(fit.objective));
      expectFloorHeld(model, fit.sigma, fit.floored, [...floor], 4, 4);
      expect(constraintError(model, fit.sigma, 4, 4)).toBeLessThan(1e-8);
      previous = fit.sigma;
    }
  });
});

describe('a component on fewer than d + 1 points', () => {
  const x = rows('iris');
  const tau = responsibilities(mclust.cases[0]).map((r, i) => (i < 3 ? [0, 0, 0, 1] : [...r, 0]));
  const stats = scatterOf(x, tau);
  const f = [0.01 / 12, 0.01 / 12, 0.01 / 12, 0.01 / 12];
  it.each(COVARIANCE_MODELS)('%s: the floor keeps |Σ_k| ≥ |F|', (model) => {
    const fit = covarianceMStep(model, stats, { floor: Float64Array.from(f) });
    expectFloorHeld(model, fit.sigma, fit.floored, f, 4, 4);
    for (const s of matrices(fit.sigma, 4, 4)) expect(volume(s)).toBeGreaterThanOrEqual(f[0] * (1 - 1e-12));
    expect(fit.logDet.every(Number.isFinite)).toBe(true);
    // Without a floor, a model that gives that component its own volume and shape leaves it
    // singular, or positive definite only through rounding, far below the floor's volume.
    if (model[0] === 'V' && model[1] === 'V') {
      let free: number | null = null;
      try {
        free = covarianceMStep(model, stats).logDet[3];
      } catch (error) {
        expect(error).toBeInstanceOf(EmFitError);
      }
      if (free !== null) expect(free).toBeLessThan(fit.logDet[3] - 20);
    }
  });
});
