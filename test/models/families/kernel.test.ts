/**
 * kernel.ts builds two kernels from each family's spec, the generated one (one variable per
 * component, for large passes) and the loop kernel (any number of components, for small ones),
 * and promises the same bits from both: a fit must not depend on which one its chunks used.
 */
import { describe, expect, it } from 'vitest';
import { EXPONENTIAL_KERNEL } from '../../../src/models/families/exponential.js';
import { GAMMA_KERNEL } from '../../../src/models/families/gamma.js';
import { type KernelSpec, outLength, runKernel } from '../../../src/models/families/kernel.js';
import { LOGNORMAL_KERNEL } from '../../../src/models/families/lognormal.js';
import { POISSON_KERNEL } from '../../../src/models/families/poisson.js';
import { T_KERNEL } from '../../../src/models/families/t.js';
import { WEIBULL_EXPANDED_KERNEL, WEIBULL_KERNEL } from '../../../src/models/families/weibull.js';
import { mulberry32 } from '../../../src/select/rng.js';

const specs: KernelSpec[] = [POISSON_KERNEL, EXPONENTIAL_KERNEL, LOGNORMAL_KERNEL, GAMMA_KERNEL, WEIBULL_KERNEL, WEIBULL_EXPANDED_KERNEL, T_KERNEL];

describe.each(specs.map((spec) => ({ name: spec.name, spec })))('$name kernel', ({ spec }) => {
  it.each([1, 2, 3, 5])('gives the bits of the loop kernel from the generated one, m = %i, with and without weights', (m) => {
    const random = mulberry32(11 + m);
    const n = 3000;
    // Counts for the Poisson, positive reals for the others; parameters positive and of order 1
    // (any values will do: both kernels evaluate the same expressions).
    const x = Float64Array.from({ length: n }, () => (spec.name === 'poisson' ? Math.floor(15 * random()) : 0.05 + 12 * random()));
    const w = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : 1 + (i % 3)));
    const packed = Float64Array.from({ length: spec.params.length * m }, () => 0.2 + random());
    for (const weights of [null, w]) {
      const generated = new Float64Array(outLength(spec, m));
      const loop = new Float64Array(outLength(spec, m));
      runKernel(spec, m, x, weights, 100, n, packed, generated, true);
      runKernel(spec, m, x, weights, 100, n, packed, loop, false);
      expect(generated.every((v) => Number.isFinite(v))).toBe(true);
      expect([...loop]).toEqual([...generated]);
    }
  });
});
