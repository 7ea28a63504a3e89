/**
 * The Gaussian family's pieces one at a time, against direct formulas.
 */
import { describe, expect, it } from 'vitest';
import { HEADER, LOGLIK, RLOGR } from '../../src/models/family.js';
import { gaussianFamily } from '../../src/models/gaussian.js';
import { naiveLoglik, naiveMStep, naivePosterior } from '../helpers/naive-em.js';

const x = [-3.3, -4.4, -1.9, 3.3, 2.5, 3.2, 0.3, 0.1, -0.1, -0.5];
const theta = { weight: Float64Array.of(0.5, 0.3, 0.2), mean: Float64Array.of(-2, 0, 3), variance: Float64Array.of(2, 0.5, 1) };
const plain = { weight: [...theta.weight], mean: [...theta.mean], variance: [...theta.variance] };

describe('gaussian family', () => {
  const family = gaussianFamily({ k: 3, variance: 'unequal', floor: 1e-6 });
  const data = { x: Float64Array.from(x), w: null };

  it('pass: log-likelihood, entropy and statistics in one sweep, also split across calls', () => {
    const whole = new Float64Array(family.statsLength);
    family.pass(data, theta, whole, 0, x.length);
    expect(whole[LOGLIK]).toBeCloseTo(naiveLoglik(x, plain), 12);
    const tau = naivePosterior(x, plain);
    const rlogr = tau.flat().reduce((a, t) => a + t * Math.log(t), 0);
    expect(whole[RLOGR]).toBeCloseTo(rlogr, 12);
    for (let k = 0; k < 3; k++) expect(whole[HEADER + k]).toBeCloseTo(tau.reduce((a, r) => a + r[k], 0), 13);
    const split = new Float64Array(family.statsLength);
    family.pass(data, theta, split, 0, 4);
    family.pass(data, theta, split, 4, x.length);
    split.forEach((v, i) => expect(v).toBeCloseTo(whole[i], 12));
  });

  it('mStep agrees with the textbook M-step', () => {
    const stats = new Float64Array(family.statsLength);
    family.pass(data, theta, stats, 0, x.length);
    const next = family.create();
    const floored = new Uint8Array(3);
    family.mStep(stats, theta, next, floored);
    const expected = naiveMStep(x, naivePosterior(x, plain), {});
    for (let k = 0; k < 3; k++) {
      expect(next.weight[k]).toBeCloseTo(expected.weight[k], 13);
      expect(next.mean[k]).toBeCloseTo(expected.mean[k], 12);
      expect(next.variance[k]).toBeCloseTo(expected.variance[k], 12);
    }
    expect([...floored]).toEqual([0, 0, 0]);
  });

  it('pools one variance under the equal model and floors it', () => {
    const equal = gaussianFamily({ k: 3, variance: 'equal', floor: 1e-6 });
    const stats = new Float64Array(equal.statsLength);
    equal.pass(data, theta, stats, 0, x.length);
    const next = equal.create();
    equal.mStep(stats, theta, next, new Uint8Array(3));
    const expected = naiveMStep(x, naivePosterior(x, plain), { equal: true });
    for (let k = 0; k < 3; k++) expect(next.variance[k]).toBeCloseTo(expected.variance[k], 12);
    expect(equal.nParams).toBe(6);
    expect(family.nParams).toBe(8);

    const high = gaussianFamily({ k: 3, variance: 'equal', floor: 100 });
    const floored = new Uint8Array(3);
    high.mStep(stats, theta, next, floored);
    expect([...next.variance]).toEqual([100, 100, 100]);
    expect([...floored]).toEqual([1, 1, 1]);
  });

  it('gives a component of weight 0 no responsibility anywhere, even far from the others', () => {
    const dead = { weight: Float64Array.of(0.5, 0, 0.5), mean: Float64Array.of(-2, 50, 3), variance: Float64Array.of(1, 1, 1) };
    const far = { x: Float64Array.of(49, 50, 51), w: null };
    const stats = new Float64Array(family.statsLength);
    family.pass(far, dead, stats, 0, 3);
    expect(stats[HEADER + 1]).toBe(0);
    expect(Number.isFinite(stats[LOGLIK])).toBe(true);
    expect(Number.isFinite(stats[RLOGR])).toBe(true);
    const next = family.create();
    family.mStep(stats, dead, next, new Uint8Array(3));
    expect(next.weight[1]).toBe(0);
    expect(next.mean[1]).toBe(50);
    const r = new Float64Array(9);
    const logDensity = new Float64Array(3);
    family.posterior(far.x, dead, 0, 3, r, logDensity);
    expect([r[1], r[4], r[7]]).toEqual([0, 0, 0]);
  });

  it('counts weighted rows w times', () => {
    const w = [1, 2, 0, 3, 1, 1, 2, 1, 1, 4];
    const weighted = { x: Float64Array.from(x), w: Float64Array.from(w) };
    const copies = { x: Float64Array.from(x.flatMap((v, i) => Array(w[i]).fill(v))), w: null };
    const a = new Float64Array(family.statsLength);
    const b = new Float64Array(family.statsLength);
    family.pass(weighted, theta, a, 0, x.length);
    family.pass(copies, theta, b, 0, copies.x.length);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 11));
  });
});

describe('the variance penalty (Chen, Tan and Zhang 2008)', () => {
  const data = { x: Float64Array.from(x), w: null };
  const penalty = { strength: 0.3, scale: 5 };
  const family = gaussianFamily({ k: 3, variance: 'unequal', floor: 1e-6, penalty });

  /** The penalized Q of component k's variance: −½N log σ² − SS/(2σ²) − a (S/σ² + log(σ²/S)). */
  const objective = (n: number, ss: number, v: number): number => -0.5 * n * Math.log(v) - ss / (2 * v) - penalty.strength * (penalty.scale / v + Math.log(v / penalty.scale));

  it('maximises the penalized Q in each variance: a golden-section search agrees', () => {
    const stats = new Float64Array(family.statsLength);
    family.pass(data, theta, stats, 0, x.length);
    const next = family.create();
    family.mStep(stats, theta, next, new Uint8Array(3));
    const tau = naivePosterior(x, plain);
    for (let k = 0; k < 3; k++) {
      const n = tau.reduce((a, r) => a + r[k], 0);
      const mean = tau.reduce((a, r, i) => a + r[k] * x[i], 0) / n;
      const ss = tau.reduce((a, r, i) => a + r[k] * (x[i] - mean) ** 2, 0);
      // Golden-section search over log σ², independent of the closed form (S2 + 2aS)/(N + 2a).
      let lo = -10;
      let hi = 10;
      const g = (Math.sqrt(5) - 1) / 2;
      for (let i = 0; i < 200; i++) {
        const a = hi - g * (hi - lo);
        const b = lo + g * (hi - lo);
        if (objective(n, ss, Math.exp(a)) > objective(n, ss, Math.exp(b))) hi = b;
        else lo = a;
      }
      expect(next.mean[k]).toBeCloseTo(mean, 12);
      // The optimum is flat, so its location is known to about √ε; its value far better.
      const searched = Math.exp((lo + hi) / 2);
      expect(Math.abs(next.variance[k] - searched) / next.variance[k]).toBeLessThan(1e-6);
      expect(objective(n, ss, next.variance[k])).toBeGreaterThanOrEqual(objective(n, ss, searched) - 1e-13);
    }
  });

  it('is −a Σ (S/σ² + log(σ²/S)), and the equal model has none', () => {
    const expected = -0.3 * [2, 0.5, 1].reduce((a, v) => a + 5 / v + Math.log(v / 5), 0);
    expect(family.penalty(theta)).toBeCloseTo(expected, 13);
    expect(gaussianFamily({ k: 3, variance: 'equal', floor: 1e-6, penalty }).penalty(theta)).toBe(0);
  });
});
