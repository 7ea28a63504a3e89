/**
 * The Gaussian pass's two kernels (gaussian-kernel.ts): the generated one, written out per
 * number of components, and the loop kernel must give the same bits, since which one runs
 * depends on the rows and on the passes made before (kernelFor), never on the numbers.
 */
import { describe, expect, it } from 'vitest';
import { blockSize, GENERATED_FROM_ROWS, javascriptKernel, javascriptKernelFor, kernel, kernelFor, LOOP_ROWS_BEFORE_GENERATING, loopKernel } from '../../src/models/gaussian-kernel.js';
import { MAX_COMPONENTS, wasmKernel } from '../../src/models/gaussian-wasm.js';
import { gaussianFamily } from '../../src/models/gaussian.js';
import { mulberry32 } from '../../src/select/rng.js';

/** The WebAssembly kernel for m components as gaussian-kernel.ts builds it (null where it cannot). */
const wasmFor = (m: number, weighted: boolean) => wasmKernel(m, blockSize(m), weighted, () => javascriptKernel(m, weighted));

function packedFor(m: number, random: () => number): Float64Array {
  const packed = new Float64Array(3 * m);
  for (let j = 0; j < m; j++) {
    const variance = 0.01 + 4 * random();
    packed[j] = 10 * random() - 5;
    packed[m + j] = Math.log(1 / m) - 0.5 * (Math.log(2 * Math.PI) + Math.log(variance));
    packed[2 * m + j] = 0.5 / variance;
  }
  return packed;
}

describe('the Gaussian kernels', () => {
  for (const m of [1, 2, 3, 4, 5, 7, 9, 12, 20]) {
    for (const weighted of [false, true]) {
      it(`give the same bits, generated and loop, for ${m} components ${weighted ? 'with' : 'without'} weights`, () => {
        const random = mulberry32(100 + m);
        const n = 5000;
        // Values far out too, where every exp but the largest underflows.
        const x = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 1e4 * (random() - 0.5) : 12 * random() - 6));
        const w = weighted ? Float64Array.from({ length: n }, () => random() * 3) : null;
        const packed = packedFor(m, random);
        const a = new Float64Array(2 + 3 * m);
        const b = new Float64Array(2 + 3 * m);
        loopKernel(m, x, w, 17, n - 3, packed, a);
        // The generated JavaScript kernel (kernel() gives the WebAssembly one where it can, compared below).
        javascriptKernel(m, weighted)(x, w, 17, n - 3, packed, b);
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(a.every(Number.isFinite)).toBe(true);
      });
    }
  }

  // The WebAssembly kernel (gaussian-wasm.ts) against the generated JavaScript one: two rows
  // at a time in SIMD lanes, its sums in the same order (even and odd rows apart), so the same bits. The ranges cross
  // its pieces of about 65,536 rows, start and end off the pairs and blocks, and hold one row;
  // m = 2 has blocks of an odd number of rows (865).
  describe('in WebAssembly', () => {
    it('are built on this machine (else the comparisons below would compare JavaScript with itself)', () => {
      for (const weighted of [false, true]) {
        expect(wasmFor(3, weighted)).not.toBeNull();
        expect(kernel(3, weighted)).toBe(wasmFor(3, weighted));
      }
      expect(wasmFor(MAX_COMPONENTS + 1, false)).toBeNull();
    });
    const random = mulberry32(7);
    const n = 150_000;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 101 === 0 ? 1e4 * (random() - 0.5) : 12 * random() - 6));
    it('give the JavaScript kernel\'s numbers where every density underflows (each a_j = −∞)', () => {
      // h = 1e300: rows 1e5 and more from every mean have h·d² = ∞ for every component, where the
      // JavaScript kernel takes the top term as 1 (s = m) and Σ top is −∞.
      const m = 3;
      const packed = Float64Array.of(0, 1, 2, -1, -1, -1, 1e300, 1e300, 1e300);
      const x = Float64Array.of(0.5, 1e5, 2, 1e6, -1e5, 1.5, 3e5, 1, 0.25);
      const w = Float64Array.of(1, 2, 0, 1, 0.5, 1, 3, 1, 1);
      for (const weights of [null, w]) {
        const a = new Float64Array(2 + 3 * m);
        const b = new Float64Array(2 + 3 * m);
        javascriptKernel(m, weights !== null)(x, weights, 0, x.length, packed, a);
        wasmFor(m, weights !== null)!(x, weights, 0, x.length, packed, b);
        expect(a[0]).toBe(-Infinity);
        expect(a.slice(1).every(Number.isFinite)).toBe(true);
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    });

    it("give the JavaScript kernel's numbers at parameters that are not finite (it takes the pass)", () => {
      // A NaN μ for the second component: Math.max sees it; the vector code's pmax would pass over it.
      const m = 3;
      const packed = Float64Array.of(0, Number.NaN, 2, -1, -1, -1, 0.5, 0.5, 0.5);
      const x = Float64Array.of(0.5, 1, 2, 3, 4);
      for (const weighted of [false, true]) {
        const weights = weighted ? Float64Array.of(1, 2, 1, 1, 3) : null;
        const a = new Float64Array(2 + 3 * m);
        const b = new Float64Array(2 + 3 * m);
        javascriptKernel(m, weighted)(x, weights, 0, x.length, packed, a);
        wasmFor(m, weighted)!(x, weights, 0, x.length, packed, b);
        expect(Number.isNaN(a[1])).toBe(true);
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    });

    // Weights with zeros (rows the JavaScript kernel skips) and fractions.
    const w = Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? 0 : i % 7 === 0 ? 2.5 * random() : 1));
    for (const m of [1, 2, 3, 4, 5, 7, 9, 12, 20, MAX_COMPONENTS]) {
      for (const weighted of [false, true]) {
        it(`give the JavaScript kernel's bits for ${m} components ${weighted ? 'with' : 'without'} weights`, () => {
          const packed = packedFor(m, mulberry32(200 + m));
          const wasm = wasmFor(m, weighted);
          expect(wasm).not.toBeNull();
          const weights = weighted ? w : null;
          // Fewer ranges for the largest m, whose JavaScript kernel is slow to warm up (seconds).
          const ranges = [[17, 70_001], [5, 6], [8, 8 + 2 * blockSize(m) + 1]];
          if (m < MAX_COMPONENTS) ranges.push([0, n], [1, n - 1], [65_000, 140_000]);
          for (const [start, end] of ranges) {
            const a = new Float64Array(2 + 3 * m).fill(0.25);
            const b = new Float64Array(2 + 3 * m).fill(0.25);
            javascriptKernel(m, weighted)(x, weights, start, end, packed, a);
            wasm!(x, weights, start, end, packed, b);
            expect(Array.from(b), `rows ${start}..${end}`).toEqual(Array.from(a));
          }
        });
      }
    }
  });

  it('are WebAssembly for passes of any size where it can be built', () => {
    for (const rows of [1, 200, GENERATED_FROM_ROWS]) expect(kernelFor(6, false, rows)).toBe(wasmFor(6, false));
  });

  it('without WebAssembly, are generated for large passes at once, and for small ones once they have passed enough rows', () => {
    // m = 10 and 11 without weights: kernels no other test here builds.
    expect(javascriptKernelFor(10, false, GENERATED_FROM_ROWS)).toBe(javascriptKernel(10, false));
    expect(javascriptKernelFor(11, false, 200)).toBeNull();
    let passes = 1;
    while (javascriptKernelFor(11, false, 200) === null) passes++;
    // The loop kernel passes fewer than LOOP_ROWS_BEFORE_GENERATING rows, in passes of 200:
    // the pass that reaches it is the generated kernel's.
    expect(LOOP_ROWS_BEFORE_GENERATING).toBeGreaterThan(GENERATED_FROM_ROWS);
    expect(passes).toBe(Math.ceil(LOOP_ROWS_BEFORE_GENERATING / 200) - 1);
    expect(javascriptKernelFor(11, false, 200)).toBe(javascriptKernel(11, false));
  });
});

describe("the Gaussian family's mapLoglik", () => {
  // Σ w log max_k r_ik computed row by row from the densities (Math.exp, Math.log), beside the
  // family's one pass of its kernel (−Σ w log s): the same number to rounding.
  for (const weighted of [false, true]) {
    it(`equals the row-by-row sum ${weighted ? 'with' : 'without'} weights, with a vanished component`, () => {
      const random = mulberry32(weighted ? 7 : 8);
      const n = 20_000;
      const x = Float64Array.from({ length: n }, () => 12 * random() - 6);
      const w = weighted ? Float64Array.from({ length: n }, () => 2 * random()) : null;
      const theta = { weight: Float64Array.of(0.5, 0, 0.3, 0.2), mean: Float64Array.of(-2, 0, 1, 3), variance: Float64Array.of(1, 1, 0.5, 2) };
      const family = gaussianFamily({ k: 4, variance: 'unequal', floor: 1e-8 });
      let expected = 0;
      for (let i = 0; i < n; i++) {
        const a = [0, 2, 3].map((k) => Math.log(theta.weight[k]) - 0.5 * Math.log(2 * Math.PI * theta.variance[k]) - (x[i] - theta.mean[k]) ** 2 / (2 * theta.variance[k]));
        const top = Math.max(...a);
        expected += (w === null ? 1 : w[i]) * -Math.log(a.reduce((s, v) => s + Math.exp(v - top), 0));
      }
      const got = family.mapLoglik?.({ x, w }, theta, 0, n) ?? NaN;
      expect(Math.abs(got - expected)).toBeLessThan(1e-11 * Math.abs(expected));
      // A fit's last pass gives the same term from its statistics (select/fit.ts), summed over two chunks.
      const stats = new Float64Array(family.statsLength);
      family.pass({ x, w }, theta, stats, 0, 12_345);
      family.pass({ x, w }, theta, stats, 12_345, n);
      expect(Math.abs((family.mapFromStats?.(stats) ?? NaN) - expected)).toBeLessThan(1e-11 * Math.abs(expected));
    });
  }
});
