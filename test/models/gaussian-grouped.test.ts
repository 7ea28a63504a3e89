/**
 * The Gaussian mixture on coarsened data, against an independent plain EM whose interval
 * probabilities and truncated moments come from Simpson's rule on the density
 * (test/helpers/naive-grouped.ts), and the EM guarantees.
 */
import { describe, expect, it } from 'vitest';
import { serialRunner } from '../../src/em/chunks.js';
import { drain, emSteps } from '../../src/em/em.js';
import { LOGLIK } from '../../src/models/family.js';
import { groupedGaussianFamily, halfWidth, truncatedMoments } from '../../src/models/gaussian-grouped.js';
import { type Cell, naiveGroupedLoglik, naiveGroupedStep, simpson } from '../helpers/naive-grouped.js';

describe('truncatedMoments', () => {
  it.each([
    [0.3, 0.05, 0, 1],
    [2.5, 0.5, 0, 1],
    [-4, 0.5, 0, 1],
    [10, 0.25, 3, 0.7],
    [0.0004, 0.0001, 0, 1],
  ])('at v = %d, h = %d, N(%d, %d²) match Simpson integration', (v, h, mu, sigma) => {
    const out = new Float64Array(3);
    truncatedMoments(v, h, mu, sigma, out);
    const s2 = sigma * sigma;
    const P = simpson(v - h, v + h, mu, s2, () => 1);
    const m1 = simpson(v - h, v + h, mu, s2, (x) => x - mu) / P;
    const m2 = simpson(v - h, v + h, mu, s2, (x) => (x - mu) ** 2) / P;
    expect(Math.abs(out[0] - Math.log(P))).toBeLessThan(1e-9);
    expect(Math.abs(out[1] - m1) / Math.abs(m1)).toBeLessThan(1e-9);
    expect(Math.abs(out[2] - m2) / m2).toBeLessThan(1e-9);
  });
});

describe('halfWidth', () => {
  it('is half the coarse grid on it, half the resolution elsewhere', () => {
    const coarsening = { step: 0.1, grid: 1 };
    expect(halfWidth(3, coarsening)).toBe(0.5);
    expect(halfWidth(3.1, coarsening)).toBe(0.05);
    expect(halfWidth(-2.0000000000000004, coarsening)).toBe(0.5);
    expect(halfWidth(3, { step: 0.1, grid: null })).toBe(0.05);
  });
});

describe('EM on coarsened data', () => {
  // Distinct values on a 0.1 grid, some piled on whole numbers (the heap grid).
  const values = [0.8, 1, 1.2, 1.3, 1.5, 1.9, 2, 2.1, 2.4, 3, 3.6, 4, 4.2, 4.4, 4.5, 5, 5.3];
  const counts = [2, 9, 3, 4, 2, 3, 12, 1, 2, 7, 3, 10, 4, 5, 2, 6, 1];
  const coarsening = { step: 0.1, grid: 1 };
  const data = { x: Float64Array.from(values), w: Float64Array.from(counts) };
  const cells: Cell[] = values.map((v) => ({ lo: v - 0.05, hi: v + 0.05, coarse: Number.isInteger(v) ? [v - 0.5, v + 0.5] : null }));
  // ℓ_g is the values' log-probabilities less Σ W log δ.
  const logWidths = values.reduce((a, _, i) => a + counts[i] * Math.log(0.1), 0);
  const naiveLoglik = (p: Parameters<typeof naiveGroupedLoglik>[2]) => naiveGroupedLoglik(cells, counts, p) - logWidths;
  const family = groupedGaussianFamily({ k: 2, variance: 'unequal', floor: 0.01 / 12, coarsening });
  const theta0 = { weight: Float64Array.of(0.5, 0.5), mean: Float64Array.of(1.5, 4.2), variance: Float64Array.of(0.3, 0.4), heap: Float64Array.of(0.3) };

  it('retraces the plain EM, with ℓ(t−1) ≤ ELBO(t) ≤ ℓ(t)', () => {
    const run = drain(emSteps(family, serialRunner(family, data), theta0, { maxIter: 15, rtol: 0 }));
    let p = { weight: [...theta0.weight], mean: [...theta0.mean], variance: [...theta0.variance], heap: 0.3 };
    expect(Math.abs(run.trace[0].loglik - naiveLoglik(p))).toBeLessThan(1e-8);
    for (let t = 1; t <= 15; t++) {
      p = naiveGroupedStep(cells, counts, p);
      expect(Math.abs(run.trace[t].loglik - naiveLoglik(p))).toBeLessThan(1e-8);
      const { loglik, elbo } = run.trace[t];
      expect(run.trace[t - 1].loglik).toBeLessThanOrEqual((elbo as number) + 1e-10);
      expect(elbo as number).toBeLessThanOrEqual(loglik + 1e-10);
    }
    expect(Math.abs(run.theta.mean[0] - p.mean[0])).toBeLessThan(1e-8);
    expect(Math.abs(run.theta.variance[1] - p.variance[1])).toBeLessThan(1e-8);
    expect(Math.abs(run.theta.heap[0] - p.heap)).toBeLessThan(1e-8);
  });

  it('has an ELBO equal to ℓ at the θ of its pass, and ℓ_g ≤ −Σ W log(width)', () => {
    const stats = new Float64Array(family.statsLength);
    family.pass(data, theta0, stats, 0, values.length);
    const elbo = family.expectedLogJoint(stats, theta0, theta0) - stats[1];
    expect(Math.abs(elbo - stats[LOGLIK])).toBeLessThan(1e-10);
    expect(stats[LOGLIK]).toBeLessThan(-logWidths);
  });

  it('gives the same fit with integer weights as with the rows repeated', () => {
    const rows = { x: Float64Array.from(values.flatMap((v, i) => Array(counts[i]).fill(v))), w: null };
    const a = drain(emSteps(family, serialRunner(family, data), theta0, { maxIter: 50, rtol: 1e-12 }));
    const b = drain(emSteps(family, serialRunner(family, rows), theta0, { maxIter: 50, rtol: 1e-12 }));
    expect(Math.abs(a.loglik - b.loglik) / Math.abs(a.loglik)).toBeLessThan(1e-12);
    expect(Math.abs(a.theta.mean[1] - b.theta.mean[1])).toBeLessThan(1e-10);
  });
});
