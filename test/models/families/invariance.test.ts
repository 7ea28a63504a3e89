/**
 * What must not change a fit: integer weights in place of duplicated rows, the order of the
 * rows; toFree/fromFree round-trips. And the small parts of each family: the domain check,
 * the parameter names, the moments (against R's formulas, or sums over the density).
 */
import { describe, expect, it } from 'vitest';
import type { ComponentFamily, MixtureParams } from '../../../src/models/families/component.js';
import { exponentialFamily } from '../../../src/models/families/exponential.js';
import { gammaFamily } from '../../../src/models/families/gamma.js';
import { lognormalFamily } from '../../../src/models/families/lognormal.js';
import { poissonFamily } from '../../../src/models/families/poisson.js';
import { tFamily } from '../../../src/models/families/t.js';
import { weibullFamily } from '../../../src/models/families/weibull.js';
import { mulberry32 } from '../../helpers/mixture.js';
import { cases, dataOf } from '../../helpers/family-fixtures.js';
import { fitFromPartition, plain } from '../../helpers/family-run.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));
const options = { maxIter: 40, rtol: 0 };

describe.each(cases)('$name: invariance', (c) => {
  it('integer weights give the fit of duplicated rows', () => {
    const random = mulberry32(7);
    const w = c.x.map(() => 1 + Math.floor(random() * 3));
    const xs = c.x.flatMap((v, i) => Array(w[i]).fill(v));
    const ls = c.labels.flatMap((l, i) => Array(w[i]).fill(l));
    const weighted = fitFromPartition(c.spec(2), dataOf(c.x, w), Int32Array.from(c.labels), options);
    const duplicated = fitFromPartition(c.spec(2), dataOf(xs), Int32Array.from(ls), options);
    weighted.trace.forEach((e, t) => expect(rel(e.loglik, duplicated.trace[t].loglik)).toBeLessThan(1e-12));
    const a = plain(weighted.theta);
    const b = plain(duplicated.theta);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(v, b[name][k])).toBeLessThan(1e-10));
  });

  it('permuting the rows changes nothing', () => {
    const random = mulberry32(11);
    const order = c.x.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const fit = fitFromPartition(c.spec(2), dataOf(c.x), Int32Array.from(c.labels), options);
    const shuffled = fitFromPartition(c.spec(2), dataOf(order.map((i) => c.x[i])), Int32Array.from(order.map((i) => c.labels[i])), options);
    fit.trace.forEach((e, t) => expect(rel(e.loglik, shuffled.trace[t].loglik)).toBeLessThan(1e-12));
    const a = plain(fit.theta);
    const b = plain(shuffled.theta);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(v, b[name][k])).toBeLessThan(1e-10));
  });

  it('round-trips θ through toFree and fromFree, and names its parameters as R does', () => {
    const family = c.make(2);
    const theta = family.start(dataOf(c.x), Int32Array.from(c.labels));
    const u = new Float64Array(family.freeLength);
    family.toFree(theta, u);
    const back = family.create();
    family.fromFree(u, back);
    const a = plain(theta);
    const b = plain(back);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(b[name][k], v)).toBeLessThan(1e-14));
    for (let k = 0; k < 2; k++) expect(Object.keys(family.parameters(theta, k))).toEqual(family.parameterNames);
    expect(family.nParams).toBe(2 * family.parameterNames.length + 1 - (c.name === 't shared' ? 1 : 0));
  });
});

describe('domain checks', () => {
  const check = (family: ComponentFamily<MixtureParams>, x: number[]) => family.checkDomain(Float64Array.from(x));
  const as = <P extends MixtureParams>(f: ComponentFamily<P>): ComponentFamily<MixtureParams> => f as unknown as ComponentFamily<MixtureParams>;

  it('names the first offending row, why, and a family whose support holds the column', () => {
    expect(check(as(poissonFamily({ k: 1 })), [0, 2, 3.5, -1])).toEqual({ index: 2, value: 3.5, reason: 'is not an integer count', suggestion: 'gaussian' });
    expect(check(as(poissonFamily({ k: 1 })), [0, 2, 3.5])).toEqual({ index: 2, value: 3.5, reason: 'is not an integer count', suggestion: 'exponential' });
    expect(check(as(poissonFamily({ k: 1 })), [1, -2])?.reason).toBe('is negative');
    expect(check(as(exponentialFamily({ k: 1, maxRate: 1 })), [0, 1.5, -0.2])).toEqual({ index: 2, value: -0.2, reason: 'is negative', suggestion: 'gaussian' });
    expect(check(as(exponentialFamily({ k: 1, maxRate: 1 })), [0, 1.5])).toBeNull();
    for (const family of [lognormalFamily({ k: 1, sdlogFloor: 1 }), gammaFamily({ k: 1, maxShape: 1 }), weibullFamily({ k: 1, maxShape: 2 })]) {
      expect(check(as(family as ComponentFamily<MixtureParams>), [1.5, 0, 2])).toEqual({ index: 1, value: 0, reason: 'is zero', suggestion: 'exponential' });
      expect(check(as(family as ComponentFamily<MixtureParams>), [1, 0, 2])?.suggestion).toBe('poisson');
      expect(check(as(family as ComponentFamily<MixtureParams>), [1.5, 2, -3])).toEqual({ index: 2, value: -3, reason: 'is negative', suggestion: 'gaussian' });
      expect(check(as(family as ComponentFamily<MixtureParams>), [1.5, 2])).toBeNull();
    }
    expect(check(as(gammaFamily({ k: 1, maxShape: 1 })), [-1e300, 0, 5])?.index).toBe(0);
    expect(check(as(tFamily({ k: 1, df: 'each', scaleFloor: 1 })), [-1e300, 0, 5])).toBeNull();
    expect(check(as(tFamily({ k: 1, df: 'each', scaleFloor: 1 })), [1, NaN])?.reason).toBe('is not a finite number');
  });
});

describe('moments', () => {
  /** Σ x^j f(x) over the density by the midpoint rule on [lo, hi] (or the pmf's sum): j = 1, 2. */
  function numeric(logf: (x: number) => number, lo: number, hi: number, discrete = false): { mean: number; variance: number } {
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    const steps = discrete ? hi - lo + 1 : 200000;
    const h = discrete ? 1 : (hi - lo) / steps;
    for (let i = 0; i < steps; i++) {
      const x = discrete ? lo + i : lo + (i + 0.5) * h;
      const f = Math.exp(logf(x)) * h;
      m0 += f;
      m1 += f * x;
      m2 += f * x * x;
    }
    return { mean: m1 / m0, variance: m2 / m0 - (m1 / m0) ** 2 };
  }

  it('gives each component’s mean and variance where they exist', () => {
    const tests: [ComponentFamily<MixtureParams>, Record<string, number>, number, number, boolean, number][] = [
      [poissonFamily({ k: 1 }) as never, { lambda: 3.7 }, 0, 200, true, 1e-12],
      [exponentialFamily({ k: 1, maxRate: 1e9 }) as never, { rate: 0.8 }, 0, 80, false, 1e-6],
      [lognormalFamily({ k: 1, sdlogFloor: 1e-9 }) as never, { meanlog: 0.3, sdlog: 0.4 }, 1e-9, 40, false, 1e-6],
      [gammaFamily({ k: 1, maxShape: 1e9 }) as never, { shape: 2.5, rate: 1.7 }, 0, 60, false, 1e-6],
      [weibullFamily({ k: 1, maxShape: 1e9 }) as never, { shape: 1.7, scale: 2.2 }, 0, 40, false, 1e-6],
      [tFamily({ k: 1, df: 'each', scaleFloor: 1e-9 }) as never, { location: 1.2, scale: 0.7, df: 9 }, -3000, 3000, false, 1e-4],
    ];
    for (const [family, values, lo, hi, discrete, tol] of tests) {
      const theta = family.create() as unknown as Record<string, Float64Array>;
      theta.weight[0] = 1;
      for (const [name, v] of Object.entries(values)) theta[name][0] = v;
      const exact = family.moments(theta as unknown as MixtureParams, 0);
      const approx = numeric((x) => family.logDensity(x, theta as unknown as MixtureParams, 0), lo, hi, discrete);
      expect(rel(exact.mean, approx.mean)).toBeLessThan(tol);
      expect(rel(exact.variance, approx.variance)).toBeLessThan(tol);
    }
    const t = tFamily({ k: 1, df: 'each', scaleFloor: 1e-9 });
    const theta = t.create();
    theta.location[0] = 1;
    theta.scale[0] = 2;
    theta.df[0] = 1.5;
    expect(t.moments(theta, 0)).toEqual({ mean: 1, variance: Infinity });
    theta.df[0] = 0.9;
    const none = t.moments(theta, 0);
    expect(none.mean).toBeNaN();
    expect(none.variance).toBeNaN();
  });
});
