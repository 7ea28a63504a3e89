/**
 * Each family's M-step from its statistics against direct maximisers written here over the
 * data and the responsibilities: the plain M-steps of test/helpers/naive-families.ts (roots
 * by bisection over the rows) to 1e-10, and a golden-section search of the weighted
 * complete-data log-likelihood over the shape (its other parameter in closed form), which
 * must not beat the M-step. Then the statistics' own promises: E_q log p(x, z | θ) at the
 * pass's θ gives ℓ back (the ELBO is tight there), chunks add up, and the bounds bind.
 */
import { describe, expect, it } from 'vitest';
import { type ComponentFamily, HEADER, LOGLIK, type MixtureParams, RLOGR } from '../../../src/models/families/component.js';
import { exponentialFamily } from '../../../src/models/families/exponential.js';
import { gammaFamily } from '../../../src/models/families/gamma.js';
import { lognormalFamily } from '../../../src/models/families/lognormal.js';
import { poissonFamily } from '../../../src/models/families/poisson.js';
import { tFamily } from '../../../src/models/families/t.js';
import { WEIBULL_BOUND, type WeibullFamily, type WeibullMixture, weibullFamily } from '../../../src/models/families/weibull.js';
import { anchors, cases, dataOf } from '../../helpers/family-fixtures.js';
import { plain } from '../../helpers/family-run.js';
import {
  lnGamma,
  naiveByCase,
  naivePosterior,
  naiveWeibull,
  type Params,
  psi,
} from '../../helpers/naive-families.js';


const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** The maximiser of f on [a, b] by 200 golden-section steps (f unimodal there). */
function golden(f: (v: number) => number, a: number, b: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 200; i++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

const sum = (a: number[]): number => a.reduce((s, v) => s + v, 0);

/**
 * The weighted complete-data log-likelihood of one component, maximised over its shape by
 * golden section with the other parameter at its closed form, written from the densities:
 * gamma Σ v log f(x; α, α/x̄); Weibull Σ v log f(x; κ, (Σ v x^κ/N)^(1/κ)); t, the ν part of the
 * augmented Q, Σ v [(ν/2) log(ν/2) − log Γ(ν/2) + (ν/2)(E log u − E u)] at the E-step's u.
 */
const profiles: Record<string, (x: number[], v: number[], at: Params, k: number) => { shape: number; value: (s: number) => number }> = {
  gamma(x, v) {
    const n = sum(v);
    const mean = sum(x.map((xi, i) => v[i] * xi)) / n;
    const value = (a: number): number => sum(x.map((xi, i) => v[i] * (a * Math.log(a / mean) - lnGamma(a) + (a - 1) * Math.log(xi) - (a / mean) * xi)));
    return { shape: golden(value, 0.05, 200), value };
  },
  weibull(x, v) {
    const n = sum(v);
    const value = (kappa: number): number => {
      const scale = (sum(x.map((xi, i) => v[i] * xi ** kappa)) / n) ** (1 / kappa);
      return sum(x.map((xi, i) => v[i] * (Math.log(kappa / scale) + (kappa - 1) * Math.log(xi / scale) - (xi / scale) ** kappa)));
    };
    return { shape: golden(value, 0.05, 50), value };
  },
  t(x, v, at, k) {
    const a = (at.df[k] + 1) / 2;
    const terms = x.map((xi, i) => {
      const b = (at.df[k] + ((xi - at.location[k]) / at.scale[k]) ** 2) / 2;
      return v[i] * (psi(a) - Math.log(b) - a / b);
    });
    const n = sum(v);
    const value = (nu: number): number => n * ((nu / 2) * Math.log(nu / 2) - lnGamma(nu / 2)) + (nu / 2) * sum(terms);
    return { shape: golden(value, 0.5, 200), value };
  },
};

describe.each(cases)('$name M-step', (c) => {
  const data = dataOf(c.x);
  const family = c.make(2);
  // A point away from the maximum: the partition's start, with its weights evened out.
  const at = family.start(data, Int32Array.from(c.labels));
  at.weight.set([0.5, 0.5]);
  const stats = new Float64Array(family.statsLength);
  family.pass(data, at, stats, 0, c.x.length);

  it('equals the direct M-step over the data to 1e-10, and no golden-section search beats it', () => {
    const next = family.create();
    const bounded = new Uint8Array(2);
    const weibull = family as unknown as WeibullFamily;
    const expand =
      c.name === 'weibull'
        ? (theta: MixtureParams, expansion: Float64Array, out: Float64Array) => {
            out.fill(0);
            weibull.passAt(data, theta as WeibullMixture, expansion, out, 0, c.x.length);
          }
        : undefined;
    family.mStep(stats.slice(), at, next, bounded, expand);
    expect([...bounded]).toEqual([0, 0]);
    const tau = naivePosterior(naiveByCase[c.name], c.x, plain(at));
    const direct = naiveByCase[c.name].mstep(
      c.x,
      c.x.map(() => 1),
      tau,
      plain(at),
    );
    const ours = plain(next);
    for (const [name, values] of Object.entries(direct)) values.forEach((v, k) => expect(rel(ours[name][k], v)).toBeLessThan(1e-10));
    const profile = profiles[c.name.split(' ')[0]];
    if (profile === undefined || c.name === 't shared') return;
    const shapeName = c.name === 't' ? 'df' : 'shape';
    for (let k = 0; k < 2; k++) {
      const { shape, value } = profile(
        c.x,
        tau.map((t) => t[k]),
        plain(at),
        k,
      );
      expect(value(ours[shapeName][k])).toBeGreaterThanOrEqual(value(shape) - 1e-13 * Math.abs(value(shape)));
      expect(rel(shape, ours[shapeName][k])).toBeLessThan(1e-6);
    }
  });

  it('scores the pass’s own θ at ℓ: E_q log p(x, z | θ) + H(q) = ℓ(θ) there', () => {
    const elbo = family.expectedLogJoint(stats, at, at) - stats[RLOGR];
    expect(rel(elbo, stats[LOGLIK])).toBeLessThan(1e-13);
  });

  it('gives the same statistics whether the rows come in one pass or in chunks', () => {
    const split = new Float64Array(family.statsLength);
    const cut = Math.floor(c.x.length / 3);
    family.pass(data, at, split, cut, c.x.length);
    family.pass(data, at, split, 0, cut);
    split.forEach((v, j) => expect(Math.abs(v - stats[j])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(stats[j]))));
  });
});

describe('the Weibull M-step when the shape moves far', () => {
  const x: number[] = anchors.weibull.x;
  const data = dataOf(x);
  const family = cases.find((c) => c.name === 'weibull')?.make(2) as unknown as WeibullFamily;
  const at = family.start(data, Int32Array.from(anchors.weibull.labels as number[]));
  // Shapes 1.6 times too large: the root lies far outside the Taylor moments' radius.
  at.shape[0] *= 1.6;
  at.shape[1] /= 1.6;
  const stats = new Float64Array(family.statsLength);
  family.pass(data, at, stats, 0, x.length);
  const direct = naiveWeibull.mstep(
    x,
    x.map(() => 1),
    naivePosterior(naiveWeibull, x, plain(at)),
    plain(at),
  );

  it('re-expands through the caller’s passes until the root is resolved, then equals the direct M-step', () => {
    const next = family.create();
    const bounded = new Uint8Array(2);
    let calls = 0;
    const passes = family.mStep(stats.slice(), at, next, bounded, (theta, expansion, out) => {
      calls++;
      out.fill(0);
      family.passAt(data, theta, expansion, out, 0, x.length);
    });
    expect(passes).toBe(calls);
    expect(passes).toBeGreaterThan(0);
    expect(passes).toBeLessThan(10);
    expect([...bounded]).toEqual([0, 0]);
    for (let k = 0; k < 2; k++) {
      expect(rel(next.shape[k], direct.shape[k])).toBeLessThan(1e-10);
      expect(rel(next.scale[k], direct.scale[k])).toBeLessThan(1e-10);
    }
  });

  it('without an expander, stops at the edge of the resolved region: a partial step that still raises Q', () => {
    const next = family.create();
    const bounded = new Uint8Array(2);
    const own = stats.slice();
    expect(family.mStep(own, at, next, bounded)).toBe(0);
    expect([...bounded]).toEqual([WEIBULL_BOUND.partial, WEIBULL_BOUND.partial]);
    const q = (theta: WeibullMixture): number => {
      const tau = naivePosterior(naiveWeibull, x, plain(at));
      const p = plain(theta);
      return sum(x.map((xi, i) => sum(tau[i].map((t, k) => t * (Math.log(p.weight[k]) + naiveWeibull.logf(xi, p, k))))));
    };
    expect(q(next)).toBeGreaterThan(q(at));
    for (let k = 0; k < 2; k++) expect(Math.abs(next.shape[k] - at.shape[k])).toBeLessThan(Math.abs(direct.shape[k] - at.shape[k]));
  });
});

describe('bounds', () => {
  const twoRuns = <P extends MixtureParams>(family: ComponentFamily<P>, x: number[], labels: number[]): { theta: P; bounded: Uint8Array } => {
    const bounded = new Uint8Array(family.k);
    const theta = family.start(dataOf(x), Int32Array.from(labels), bounded);
    return { theta, bounded };
  };
  const spike = [5, 5, 5, 5, 1.2, 7.7, 3.1, 9.4];
  const spikeLabels = [0, 0, 0, 0, 1, 1, 1, 1];

  it('hold λ above 0 for a Poisson component on zeros', () => {
    const { theta, bounded } = twoRuns(poissonFamily({ k: 2 }), [0, 0, 0, 3, 4, 6], [0, 0, 0, 1, 1, 1]);
    expect(theta.lambda[0]).toBe(1e-300);
    expect([...bounded]).toEqual([1, 0]);
  });

  it('hold the exponential rate, log-normal sdlog, gamma shape and t scale at their resolution bounds on a spike', () => {
    const run = twoRuns(exponentialFamily({ k: 2, maxRate: 1e4 }), [0, 0, 0, 1, 2, 3], [0, 0, 0, 1, 1, 1]);
    expect(run.theta.rate[0]).toBe(1e4);
    expect([...run.bounded]).toEqual([1, 0]);
    const ln = twoRuns(lognormalFamily({ k: 2, sdlogFloor: 1e-5 }), spike, spikeLabels);
    expect(ln.theta.sdlog[0]).toBe(1e-5);
    expect([...ln.bounded]).toEqual([1, 0]);
    const g = twoRuns(gammaFamily({ k: 2, maxShape: 1e6 }), spike, spikeLabels);
    expect(g.theta.shape[0]).toBe(1e6);
    expect(g.theta.shape[0] / g.theta.rate[0]).toBeCloseTo(5, 12);
    expect([...g.bounded]).toEqual([1, 0]);
    const t = twoRuns(tFamily({ k: 2, df: 'each', scaleFloor: 1e-3 }), spike, spikeLabels);
    expect(t.theta.scale[0]).toBe(1e-3);
    expect([...t.bounded]).toEqual([1, 0]);
    const wb = twoRuns(weibullFamily({ k: 2, maxShape: 500 }), spike, spikeLabels);
    expect(wb.theta.shape[0]).toBe(500);
    expect([...wb.bounded]).toEqual([WEIBULL_BOUND.shapeMax, 0]);
  });

  it('hold an estimated ν within [0.5, 200], and a fixed ν where it is', () => {
    // Evenly spread values have lighter tails than any t: the df equation's root is +∞.
    const x = Array.from({ length: 200 }, (_, i) => (i < 100 ? i / 100 : 10 + i / 100));
    const labels = x.map((v) => (v < 5 ? 0 : 1));
    const family = tFamily({ k: 2, df: 'each', scaleFloor: 1e-4 });
    const at = family.start(dataOf(x), Int32Array.from(labels));
    // EM moves ν up by about 0.6 an iteration here (the t family's known slow climb towards
    // the Gaussian); from just below the bound, one M-step reaches it.
    at.df.fill(199.9);
    const stats = new Float64Array(family.statsLength);
    family.pass(dataOf(x), at, stats, 0, x.length);
    const next = family.create();
    const bounded = new Uint8Array(2);
    family.mStep(stats, at, next, bounded);
    expect([...next.df]).toEqual([200, 200]);
    expect([...bounded]).toEqual([4, 4]);
    const fixed = tFamily({ k: 2, df: 3, scaleFloor: 1e-4 });
    fixed.mStep(stats, at, next, bounded);
    expect([...next.df]).toEqual([3, 3]);
    expect(fixed.nParams).toBe(5);
    expect(family.nParams).toBe(7);
    expect(tFamily({ k: 2, df: 'shared', scaleFloor: 1e-4 }).nParams).toBe(6);
    // Heavy tails (the t data of the anchors, ν ≈ 3.6 and 4.8) against a lower bound of 5.
    const heavy = tFamily({ k: 2, df: 'each', scaleFloor: 1e-4, dfMin: 5 });
    const from = heavy.start(dataOf(anchors.t.x), Int32Array.from(anchors.t.labels as number[]));
    const best = anchors.t.optim_each;
    from.weight.set(best.weight);
    from.location.set(best.location);
    from.scale.set(best.scale);
    from.df.fill(5.01);
    const heavyStats = new Float64Array(heavy.statsLength);
    heavy.pass(dataOf(anchors.t.x), from, heavyStats, 0, anchors.t.x.length);
    heavy.mStep(heavyStats, from, next, bounded);
    expect([...next.df]).toEqual([5, 5]);
    expect([...bounded]).toEqual([2, 2]);
  });
});

describe('the header', () => {
  it('puts ℓ and Σ w r log r first, as src/models/family.ts does', () => {
    expect([LOGLIK, RLOGR, HEADER]).toEqual([0, 1, 2]);
  });
});
