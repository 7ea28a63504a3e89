/**
 * SQUAREM against plain EM, and plain EM against the straightforward implementation of
 * test/helpers/naive-em.ts. Reference optimum of Old Faithful from the 3-label partition
 * cut at 60 and 75 minutes: ℓ = −1031.6347 after about 3,300 plain EM iterations at
 * rtol 1e-13 (the performance issue's figures).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectRetraces, naiveEm, naivePartitionStart } from '../helpers/naive-em.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';
import { fitPartition, PARTITION1, PARTITION2, VAR } from '../helpers/seed.js';
import { fixture } from '../helpers/cli.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const faithful = readFileSync(fixture('faithful-cuts.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').map(Number));
const waiting = faithful.map((r) => r[0]);
const cut3 = faithful.map((r) => r[1]);

describe('SQUAREM', () => {
  const slow = { maxIter: 100000, rtol: 1e-13, floor: 1 / 12 };

  it('reaches the optimum of plain EM on a slow fit with at least 5× fewer passes', () => {
    const plain = fitPartition(waiting, cut3, slow);
    const fast = fitPartition(waiting, cut3, { ...slow, accel: 'squarem' });
    expect(plain.iterations).toBeGreaterThan(3000);
    expect(plain.loglik).toBeCloseTo(-1031.6347, 4);
    expect(fast.loglik).toBeCloseTo(-1031.6347, 4);
    // Plain EM crawls: at rtol 1e-13 it stops a little short of where SQUAREM gets.
    expect(fast.loglik).toBeGreaterThanOrEqual(plain.loglik - 1e-9);
    expect(rel(fast.loglik, plain.loglik)).toBeLessThan(1e-11);
    expect(fast.passes * 5).toBeLessThanOrEqual(plain.passes);
    for (let k = 0; k < 3; k++) expect(rel(fast.theta.mean[k], plain.theta.mean[k])).toBeLessThan(1e-4);
  });

  it('never lets the log-likelihood go down, and names each step', () => {
    const fit = fitPartition(waiting, cut3, { ...slow, accel: 'squarem' });
    const kinds = new Set(fit.trace.map((t) => t.step));
    expect([...kinds].sort()).toEqual(['em', 'squarem', 'start']);
    for (let t = 1; t < fit.trace.length; t++) {
      expect(fit.trace[t].loglik).toBeGreaterThanOrEqual(fit.trace[t - 1].loglik);
      // Every ELBO is a lower bound on its ℓ; the EM steps keep the full chain.
      expect(fit.trace[t].elbo as number).toBeLessThanOrEqual(fit.trace[t].loglik + 1e-9);
      if (fit.trace[t].step === 'em') expect(fit.trace[t].elbo as number).toBeGreaterThanOrEqual(fit.trace[t - 1].loglik - 1e-9);
    }
    expect(fit.passes).toBe(fit.iterations + 1 + fit.trace.filter((t) => t.step === 'squarem').length + 2 * fit.rejected);
  });

  it.each([
    ['seed, partition1', VAR, PARTITION1, 0.01 / 12],
    ['seed, partition2', VAR, PARTITION2, 0.01 / 12],
  ])('gives the fit of plain EM run to its fixed point (%s)', (_, x, labels, floor) => {
    const plain = fitPartition(x, labels, { maxIter: 1e6, rtol: 0, floor });
    const fast = fitPartition(x, labels, { maxIter: 1e6, rtol: 0, floor, accel: 'squarem' });
    expect(rel(fast.loglik, plain.loglik)).toBeLessThan(1e-12);
    // Both stop when ℓ stops changing in double precision. Near the optimum ℓ is flat to
    // second order, so that pins θ only to about the square root of ℓ's precision: the
    // parameters agree to 1e-7, not to the 1e-12 of ℓ.
    for (let k = 0; k < fast.theta.mean.length; k++) {
      expect(rel(fast.theta.weight[k], plain.theta.weight[k])).toBeLessThan(1e-7);
      expect(Math.abs(fast.theta.mean[k] - plain.theta.mean[k])).toBeLessThan(1e-7);
      expect(rel(fast.theta.variance[k], plain.theta.variance[k])).toBeLessThan(1e-7);
    }
  });
});

describe('the fused kernel', () => {
  it('gives the straightforward EM, iteration by iteration, on generated data', () => {
    const mean = [0, 4, 9];
    const { x } = sampleMixture(30000, [0.5, 0.3, 0.2], mean, [1, 1.5, 2], 7);
    const labels = roughPartition(x, mean, 0.1, 8);
    const fit = fitPartition(x, labels, { maxIter: 30, rtol: 0, floor: 1e-8 / 12 });
    const naive = naiveEm(x, naivePartitionStart(x, labels), { maxIter: 30, rtol: 0 });
    expectRetraces(fit, naive, expect);
  });
});
