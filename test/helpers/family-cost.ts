/**
 * Cost of one pass per million rows for each family and for the Gaussian, K = 3, one thread,
 * on a million seeded rows: the median of nine passes. Used by test/models/families/cost.test.ts.
 */
import { gaussianFamily } from '../../src/models/gaussian.js';
import type { ComponentFamily, MixtureParams } from '../../src/models/families/component.js';
import { exponentialFamily } from '../../src/models/families/exponential.js';
import { gammaFamily } from '../../src/models/families/gamma.js';
import { lognormalFamily } from '../../src/models/families/lognormal.js';
import { poissonFamily } from '../../src/models/families/poisson.js';
import { tFamily } from '../../src/models/families/t.js';
import { weibullFamily } from '../../src/models/families/weibull.js';
import { mulberry32 } from '../../src/select/rng.js';

type Pass = (stats: Float64Array) => void;

/** Milliseconds per pass per million rows: the median of `repeats` passes over n rows. */
function time(pass: Pass, length: number, n: number, repeats: number): number {
  const stats = new Float64Array(length);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    stats.fill(0);
    const start = performance.now();
    pass(stats);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(repeats / 2)] / (n / 1e6);
}

export function measureCosts(n = 1_000_000, repeats = 9): Record<string, number> {
  const random = mulberry32(3);
  const positive = Float64Array.from({ length: n }, () => 0.5 + 10 * random());
  const counts = Float64Array.from({ length: n }, () => Math.floor(12 * random()));
  const data = { x: positive, w: null };
  const weight = Float64Array.of(0.3, 0.3, 0.4);
  const results: Record<string, number> = {};
  const gaussian = gaussianFamily({ k: 3, variance: 'unequal', floor: 1e-8 });
  const g = { weight, mean: Float64Array.of(2, 5, 8), variance: Float64Array.of(1, 2, 3) };
  results.gaussian = time((s) => gaussian.pass(data, g, s, 0, n), gaussian.statsLength, n, repeats);
  const run = <P extends MixtureParams>(name: string, family: ComponentFamily<P>, theta: P, x = positive): void => {
    results[name] = time((s) => family.pass({ x, w: null }, theta, s, 0, n), family.statsLength, n, repeats);
  };
  run('poisson', poissonFamily({ k: 3 }), { weight, lambda: Float64Array.of(2, 5, 8) }, counts);
  run('exponential', exponentialFamily({ k: 3, maxRate: 1e6 }), { weight, rate: Float64Array.of(1, 0.3, 0.1) });
  run('lognormal', lognormalFamily({ k: 3, sdlogFloor: 1e-8 }), { weight, meanlog: Float64Array.of(0.5, 1.5, 2), sdlog: Float64Array.of(0.3, 0.4, 0.5) });
  run('gamma', gammaFamily({ k: 3, maxShape: 1e9 }), { weight, shape: Float64Array.of(2, 5, 9), rate: Float64Array.of(1, 1, 1) });
  run('weibull', weibullFamily({ k: 3, maxShape: 1e6 }), { weight, shape: Float64Array.of(1.5, 3, 5), scale: Float64Array.of(2, 5, 8) });
  run('t', tFamily({ k: 3, df: 'each', scaleFloor: 1e-6 }), { weight, location: Float64Array.of(2, 5, 8), scale: Float64Array.of(1, 1, 1), df: Float64Array.of(3, 5, 10) });
  return results;
}
