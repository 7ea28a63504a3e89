/**
 * kernel.ts builds two kernels from each family's spec, the generated one (one variable per
 * component, for large passes) and the loop kernel (any number of components, for small ones),
 * and promises the same bits from both: a fit must not depend on which one its chunks used.
 */
import { describe, expect, it } from 'vitest';
import { EXPONENTIAL_KERNEL } from '../../../src/models/families/exponential.js';
import { outLength, runKernel } from '../../../src/models/families/kernel.js';
import { mulberry32 } from '../../../src/select/rng.js';
import { KERNEL_SPECS, kernelCase, wasmRun } from '../../helpers/kernel-cases.js';

describe.each(KERNEL_SPECS.map((spec) => ({ name: spec.name, spec })))('$name kernel', ({ spec }) => {
  it.each([1, 2, 3, 5])('gives the bits of the loop kernel from the generated one, m = %i, with and without weights', (m) => {
    const n = 3000;
    const { x, w, packed } = kernelCase(spec, m, 11 + m, n);
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

/**
 * The kernels shift each row's log-sum-exp by a maximum taken without branches, whose rounding
 * grows with |a_j|; a block with a row beyond about 1e10 is taken again from the exact maximum
 * (kernel.ts, SHIFT_LOW). The exponential family's kernel (a_j = c_j − λ_j x; any spec will do:
 * the shift is kernel.ts's) with rows at x = 1e300, where the rough maximum is off by about
 * 1e284, against the responsibilities of a direct log-sum-exp from Math.max, Math.exp and
 * Math.log (its first statistic, Σ w r_ij).
 */
describe('rows far out', () => {
  it.each([2, 3, 5])('give the responsibilities of a direct log-sum-exp, the same bits from both JavaScript kernels, and from the WebAssembly pass, m = %i', (m) => {
    const random = mulberry32(41 + m);
    const n = 3000;
    const x = Float64Array.from({ length: n }, () => 5 * random());
    x[1500] = 1e300;
    x[2600] = 1e300;
    const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
    const packed = Float64Array.from({ length: 2 * m }, (_, k) => (k < m ? random() : 0.2 + random()));
    for (const weights of [null, w]) {
      const generated = new Float64Array(outLength(EXPONENTIAL_KERNEL, m));
      const loop = new Float64Array(outLength(EXPONENTIAL_KERNEL, m));
      runKernel(EXPONENTIAL_KERNEL, m, x, weights, 100, n, packed, generated, true);
      runKernel(EXPONENTIAL_KERNEL, m, x, weights, 100, n, packed, loop, false);
      expect([...loop]).toEqual([...generated]);
      // The WebAssembly pass (its exact maximum needs no second look at these rows: no block handed over).
      const { out: wasm, handed } = wasmRun(EXPONENTIAL_KERNEL, m, x, weights, 100, packed);
      expect(handed).toEqual([]);
      const counts = new Float64Array(m);
      for (let i = 100; i < n; i++) {
        const a = Array.from({ length: m }, (_, j) => packed[j] - packed[m + j] * x[i]);
        const top = Math.max(...a);
        const e = a.map((v) => Math.exp(v - top));
        const s = e.reduce((u, v) => u + v, 0);
        e.forEach((v, j) => (counts[j] += (weights === null ? 1 : weights[i]) * (v / s)));
      }
      for (const out of [generated, wasm]) counts.forEach((c, j) => expect(Math.abs(out[3 + j] - c)).toBeLessThanOrEqual(1e-12 * c));
    }
  });
});
