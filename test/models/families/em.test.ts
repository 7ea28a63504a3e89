/**
 * Each family through the unchanged EM loop of src/em/em.ts (built from its spec by the
 * registry, as a fit builds it), from the M-step on a hard
 * partition, against the independent plain EM of test/helpers/naive-families.ts: the start,
 * ℓ and the ELBO at every iteration to 1e-12, the parameters after 25 iterations to 1e-9;
 * and, run to convergence, the EM chain ℓ(t−1) ≤ ELBO(t) ≤ ℓ(t) at every iteration.
 */
import { describe, expect, it } from 'vitest';
import { type Case, cases, dataOf } from '../../helpers/family-fixtures.js';
import { fitFromPartition, plain } from '../../helpers/family-run.js';
import {
  naiveByCase,
  naiveFamilyEm,
  oneHot,
  type Params,
} from '../../helpers/naive-families.js';


/** The plain start: the M-step on the one-hot partition; for t, u = 1: mean, standard deviation and ν = 10. */
function naiveStart(c: Case, K: number): Params {
  const w = c.x.map(() => 1);
  const tau = oneHot(c.labels, K);
  if (!c.name.startsWith('t')) return naiveByCase[c.name].mstep(c.x, w, tau, {});
  const n = Array.from({ length: K }, (_, k) => c.labels.filter((l) => l === k).length);
  const location = n.map((nk, k) => c.x.filter((_, i) => c.labels[i] === k).reduce((a, v) => a + v, 0) / nk);
  const scale = n.map((nk, k) => Math.sqrt(c.x.filter((_, i) => c.labels[i] === k).reduce((a, v) => a + (v - location[k]) ** 2, 0) / nk));
  return { weight: n.map((nk) => nk / c.x.length), location, scale, df: n.map(() => 10) };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe.each(cases)('$name family in the EM loop', (c) => {
  const data = dataOf(c.x);
  const labels = Int32Array.from(c.labels);

  it('retraces the plain EM from the partition: ℓ and ELBO per iteration to 1e-12', () => {
    const iterations = 25;
    const fit = fitFromPartition(c.spec(2), data, labels, { maxIter: iterations, rtol: 0 });
    const start = naiveStart(c, 2);
    for (const [name, values] of Object.entries(plain(fit.start))) values.forEach((v, k) => expect(rel(v, start[name][k])).toBeLessThan(1e-12));
    const run = naiveFamilyEm(naiveByCase[c.name], c.x, c.x.map(() => 1), start, iterations);
    expect(fit.trace.length).toBe(iterations + 1);
    fit.trace.forEach((entry, t) => {
      expect(rel(entry.loglik, run.logliks[t])).toBeLessThan(1e-12);
      if (t > 0) expect(rel(entry.elbo as number, run.elbos[t - 1])).toBeLessThan(1e-12);
    });
    for (const [name, values] of Object.entries(plain(fit.theta))) values.forEach((v, k) => expect(rel(v, run.params[name][k])).toBeLessThan(1e-9));
  });

  it('never lets ℓ fall, and keeps ℓ(t−1) ≤ ELBO(t) ≤ ℓ(t), up to 1e-12 relative, to convergence', () => {
    const fit = fitFromPartition(c.spec(2), data, labels, { maxIter: 5000, rtol: 1e-14 });
    expect(fit.converged).toBe(true);
    for (let t = 1; t < fit.trace.length; t++) {
      const before = fit.trace[t - 1].loglik;
      const { loglik, elbo } = fit.trace[t];
      const slack = 1e-12 * Math.abs(before);
      expect(loglik).toBeGreaterThanOrEqual(before - slack);
      expect(elbo as number).toBeGreaterThanOrEqual(before - slack);
      expect(elbo as number).toBeLessThanOrEqual(loglik + slack);
    }
  });
});
