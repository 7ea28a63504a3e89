/**
 * Cost of one pass per million rows for each family and for the Gaussian (its pass, by the
 * WebAssembly kernel, and its generated JavaScript kernel alone), K = 3, one thread, on a
 * million seeded rows. Used by test/models/families/cost.test.ts.
 *
 * The machine is shared, so its load changes while we measure: the passes are interleaved,
 * one of each family per round (in an order that rotates from round to round), after a
 * warm-up of two rounds, and each family's cost is the median over the rounds. A burst of
 * load then lands on every family alike instead of on whichever was being timed.
 */
import { javascriptKernel } from '../../src/models/gaussian-kernel.js';
import { gaussianFamily } from '../../src/models/gaussian.js';
import type { ComponentFamily, MixtureParams } from '../../src/models/families/component.js';
import { exponentialFamily } from '../../src/models/families/exponential.js';
import { gammaFamily } from '../../src/models/families/gamma.js';
import { lognormalFamily } from '../../src/models/families/lognormal.js';
import { poissonFamily } from '../../src/models/families/poisson.js';
import { tFamily } from '../../src/models/families/t.js';
import { weibullFamily } from '../../src/models/families/weibull.js';
import { mulberry32 } from '../../src/select/rng.js';

interface Timed {
  name: string;
  length: number;
  pass: (stats: Float64Array) => void;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
};

/** The passes measured: the Gaussian's first, then each family's, over the same seeded rows. */
function passes(n: number): Timed[] {
  const random = mulberry32(3);
  const positive = Float64Array.from({ length: n }, () => 0.5 + 10 * random());
  const counts = Float64Array.from({ length: n }, () => Math.floor(12 * random()));
  const data = { x: positive, w: null };
  const weight = Float64Array.of(0.3, 0.3, 0.4);
  const gaussian = gaussianFamily({ k: 3, variance: 'unequal', floor: 1e-8 });
  const g = { weight, mean: Float64Array.of(2, 5, 8), variance: Float64Array.of(1, 2, 3) };
  const timed: Timed[] = [{ name: 'gaussian', length: gaussian.statsLength, pass: (s) => gaussian.pass(data, g, s, 0, n) }];
  // The Gaussian's pass by its generated JavaScript kernel, as it runs without WebAssembly
  // (gaussian.pass uses the WebAssembly one): the same language as the families' kernels.
  const packed = new Float64Array(9);
  for (let j = 0; j < 3; j++) {
    packed[j] = g.mean[j];
    packed[3 + j] = Math.log(weight[j]) - 0.5 * Math.log(2 * Math.PI * g.variance[j]);
    packed[6 + j] = 0.5 / g.variance[j];
  }
  const javascript = javascriptKernel(3, false);
  timed.push({ name: 'gaussian-js', length: 11, pass: (s) => javascript(positive, null, 0, n, packed, s) });
  const add = <P extends MixtureParams>(name: string, family: ComponentFamily<P>, theta: P, x = positive): void => {
    timed.push({ name, length: family.statsLength, pass: (s) => family.pass({ x, w: null }, theta, s, 0, n) });
  };
  add('poisson', poissonFamily({ k: 3 }), { weight, lambda: Float64Array.of(2, 5, 8) }, counts);
  add('exponential', exponentialFamily({ k: 3, maxRate: 1e6 }), { weight, rate: Float64Array.of(1, 0.3, 0.1) });
  add('lognormal', lognormalFamily({ k: 3, sdlogFloor: 1e-8 }), { weight, meanlog: Float64Array.of(0.5, 1.5, 2), sdlog: Float64Array.of(0.3, 0.4, 0.5) });
  add('gamma', gammaFamily({ k: 3, maxShape: 1e9 }), { weight, shape: Float64Array.of(2, 5, 9), rate: Float64Array.of(1, 1, 1) });
  add('weibull', weibullFamily({ k: 3, maxShape: 1e6 }), { weight, shape: Float64Array.of(1.5, 3, 5), scale: Float64Array.of(2, 5, 8) });
  add('t', tFamily({ k: 3, df: 'each', scaleFloor: 1e-6 }), { weight, location: Float64Array.of(2, 5, 8), scale: Float64Array.of(1, 1, 1), df: Float64Array.of(3, 5, 10) });
  return timed;
}

/**
 * Milliseconds per pass per million rows, by name: each the median over `rounds` rounds of
 * interleaved passes. `ratios` (if given) receives each family's median over the rounds of
 * its cost divided by the Gaussian's in the same round.
 */
export function measureCosts(n = 1_000_000, rounds = 9, ratios?: Record<string, number>): Record<string, number> {
  const timed = passes(n);
  const stats = timed.map((t) => new Float64Array(t.length));
  const times = timed.map(() => [] as number[]);
  const warmUp = 2;
  for (let round = 0; round < warmUp + rounds; round++) {
    for (let step = 0; step < timed.length; step++) {
      const f = (round + step) % timed.length;
      stats[f].fill(0);
      const start = performance.now();
      timed[f].pass(stats[f]);
      const ms = performance.now() - start;
      if (round >= warmUp) times[f].push(ms / (n / 1e6));
    }
  }
  if (ratios !== undefined) timed.forEach((t, f) => (ratios[t.name] = median(times[f].map((ms, round) => ms / times[0][round]))));
  return Object.fromEntries(timed.map((t, f) => [t.name, median(times[f])]));
}
