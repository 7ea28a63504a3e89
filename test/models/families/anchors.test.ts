/**
 * The families against R (fixtures/anchors.json, written by fixtures/anchors.R with R 4.2.2,
 * flexmix 2.3-18 and mixtools 2.0.0; the versions are in the file): from the same hard
 * partition, each converged log-likelihood is at least every anchor's, to 1e-8 relative.
 * Where an anchor converges to the same maximum (closed-form M-steps; the direct optimiser),
 * the parameters agree too. And Hasselblad's death notices, as ten weighted rows and as
 * 1,096 rows.
 */
import { describe, expect, it } from 'vitest';
import type { PoissonMixture } from '../../../src/models/families/poisson.js';
import type { FamilySpec } from '../../../src/models/registry.js';
import { anchors, cases, dataOf } from '../../helpers/family-fixtures.js';
import { type FamilyFit, fitFromPartition, plain } from '../../helpers/family-run.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

/** Anchor log-likelihoods per case, and parameter sets expected to match to `tol`. */
const expected: Record<string, { logliks: Record<string, number>; params?: { source: Record<string, number[]>; tol: number } }> = {
  poisson: {
    logliks: { flexmix: anchors.poisson.flexmix_expanded.loglik, optim: anchors.poisson.optim.loglik, 'R EM': anchors.poisson.em_R.loglik },
    // The likelihood is flat along a ridge: a change of 1e-12 in ℓ moves λ by 1e-6 (see Hasselblad below).
    params: { source: { weight: anchors.poisson.em_R.weight, lambda: anchors.poisson.em_R.lambda }, tol: 1e-5 },
  },
  exponential: {
    logliks: { flexmix: anchors.exponential.flexmix.loglik, mixtools: anchors.exponential.mixtools.loglik },
    params: { source: { weight: anchors.exponential.mixtools.weight, rate: anchors.exponential.mixtools.rate }, tol: 1e-6 },
  },
  lognormal: {
    logliks: { flexmix: anchors.lognormal.flexmix.loglik, mixtools: anchors.lognormal.mixtools.loglik },
    params: { source: { weight: anchors.lognormal.mixtools.weight, meanlog: anchors.lognormal.mixtools.meanlog, sdlog: anchors.lognormal.mixtools.sdlog }, tol: 1e-6 },
  },
  gamma: { logliks: { flexmix: anchors.gamma.flexmix.loglik, mixtools: anchors.gamma.mixtools.loglik } },
  weibull: { logliks: { flexmix: anchors.weibull.flexmix.loglik } },
  t: {
    logliks: { optim: anchors.t.optim_each.loglik },
    params: { source: anchors.t.optim_each, tol: 1e-4 },
  },
  't shared': {
    logliks: { optim: anchors.t.optim_shared.loglik },
    params: { source: anchors.t.optim_shared, tol: 1e-4 },
  },
};

describe.each(cases)('$name against R', (c) => {
  it('converges from the partition to a log-likelihood at least every anchor’s (1e-8 relative)', () => {
    const fit = fitFromPartition(c.spec(2), dataOf(c.x), Int32Array.from(c.labels), { maxIter: 100000, rtol: 1e-15, accel: 'squarem' });
    expect(fit.converged).toBe(true);
    const { logliks, params } = expected[c.name];
    for (const [source, value] of Object.entries(logliks)) {
      if (!(fit.loglik >= value - 1e-8 * Math.abs(value))) throw new Error(`${c.name}: ℓ ${fit.loglik} below ${source}'s ${value}`);
    }
    if (params) {
      const ours = plain(fit.theta);
      for (const [name, values] of Object.entries(params.source)) {
        if (!(name in ours)) continue;
        values.forEach((v, k) => expect(rel(ours[name][k], v)).toBeLessThan(params.tol));
      }
    }
  });
});

describe('Hasselblad (1969): deaths a day among London women aged 80 and over', () => {
  const { deaths, days } = anchors.poisson.data as { deaths: number[]; days: number[] };
  const expanded = deaths.flatMap((d, i) => Array(days[i]).fill(d));
  const family: FamilySpec = { family: 'poisson', k: 2 };
  const cut = (d: number): number => (d <= 2 ? 0 : 1);

  it('fits the same mixture from ten weighted rows and from 1,096 rows', () => {
    const options = { maxIter: 200, rtol: 0 };
    const weighted = fitFromPartition(family, dataOf(deaths, days), Int32Array.from(deaths.map(cut)), options) as FamilyFit<PoissonMixture>;
    const rows = fitFromPartition(family, dataOf(expanded), Int32Array.from(expanded.map(cut)), options) as FamilyFit<PoissonMixture>;
    weighted.trace.forEach((entry, t) => expect(rel(entry.loglik, rows.trace[t].loglik)).toBeLessThan(1e-12));
    for (let k = 0; k < 2; k++) {
      expect(rel(weighted.theta.weight[k], rows.theta.weight[k])).toBeLessThan(1e-12);
      expect(rel(weighted.theta.lambda[k], rows.theta.lambda[k])).toBeLessThan(1e-12);
    }
  });

  it('converges to ℓ = −1989.945859883, π = 0.3598854, λ = 1.256095 and 2.663404, as R does', () => {
    // Plain EM run past the convergence of ℓ to the fixed point of its parameters, as R's below:
    // along this likelihood's ridge ℓ stops changing (to 1e-15) while λ still moves by 1e-6.
    const fit = fitFromPartition(family, dataOf(deaths, days), Int32Array.from(deaths.map(cut)), { maxIter: 20000, rtol: -1 }) as FamilyFit<PoissonMixture>;
    // R: a plain EM on the ten weighted rows, run until its parameters stop changing (anchors.R).
    const r = anchors.poisson.em_R;
    expect(rel(fit.loglik, r.loglik)).toBeLessThan(1e-13);
    expect(fit.loglik).toBeCloseTo(-1989.945859883, 9);
    expect(rel(fit.theta.weight[0], r.weight[0])).toBeLessThan(1e-9);
    expect(rel(fit.theta.lambda[0], r.lambda[0])).toBeLessThan(1e-9);
    expect(rel(fit.theta.lambda[1], r.lambda[1])).toBeLessThan(1e-9);
    expect(fit.theta.weight[0]).toBeCloseTo(0.3598854, 7);
    expect(fit.theta.lambda[0]).toBeCloseTo(1.256095, 6);
    expect(fit.theta.lambda[1]).toBeCloseTo(2.663404, 6);
    // flexmix stops 2.3e-8 lower, having crept along the likelihood's ridge for 2,035 iterations.
    expect(fit.loglik - anchors.poisson.flexmix_weighted.loglik).toBeGreaterThan(1e-8);
  });
});
