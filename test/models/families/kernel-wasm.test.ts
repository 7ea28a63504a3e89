/**
 * kernel-wasm.ts, the families' pass in WebAssembly, against the JavaScript loop kernel of the
 * same spec (kernel.ts), which the generated JavaScript kernel matches bit for bit (kernel.test.ts)
 * and the conformance suite checks against a plain EM. The two sum in other orders and take
 * other maxima, so they agree to rounding, not to the bit: 1e-12 relative per output (a
 * statistic summed over 3,000 rows of order 10 moves by up to ~1e-13 with the order of its sums).
 *
 * Rows the vector code does not take send their block to the JavaScript kernel; each case
 * below would give another value without that (a clamped table index, the log of a subnormal
 * read from its bits, an exp beyond 709, a square that overflows).
 */
import { describe, expect, it } from 'vitest';
import { EXPONENTIAL_KERNEL } from '../../../src/models/families/exponential.js';
import { GAMMA_KERNEL } from '../../../src/models/families/gamma.js';
import { type KernelSpec, outLength, runKernel } from '../../../src/models/families/kernel.js';
import { MAX_COMPONENTS, wasmPass } from '../../../src/models/families/kernel-wasm.js';
import { LOGNORMAL_KERNEL } from '../../../src/models/families/lognormal.js';
import { POISSON_KERNEL } from '../../../src/models/families/poisson.js';
import { T_KERNEL } from '../../../src/models/families/t.js';
import { WEIBULL_EXPANDED_KERNEL, WEIBULL_KERNEL } from '../../../src/models/families/weibull.js';
import { mulberry32 } from '../../../src/select/rng.js';
import { KERNEL_SPECS as specs, kernelCase, wasmRun } from '../../helpers/kernel-cases.js';

/**
 * Both passes over rows [100, n) (an odd count: the lone last row of a block is taken too):
 * the JavaScript loop kernel's and the WebAssembly pass's, with the blocks it handed over.
 */
function both(spec: KernelSpec, m: number, x: Float64Array, w: Float64Array | null, packed: Float64Array): [Float64Array, Float64Array, [number, number][]] {
  const javascript = new Float64Array(outLength(spec, m));
  runKernel(spec, m, x, w, 100, x.length, packed, javascript, false);
  const { out, handed } = wasmRun(spec, m, x, w, 100, packed);
  return [javascript, out, handed];
}

/** Exactly one block handed to the JavaScript kernel, the one holding `row`. */
function expectHanded(handed: [number, number][], row: number): void {
  expect(handed.length).toBe(1);
  expect(handed[0][0]).toBeLessThanOrEqual(row);
  expect(handed[0][1]).toBeGreaterThan(row);
}

function expectClose(javascript: Float64Array, wasm: Float64Array): void {
  for (let k = 0; k < javascript.length; k++) {
    const [a, b] = [javascript[k], wasm[k]];
    if (!Number.isFinite(a)) expect(b).toBe(a);
    else expect(Math.abs(b - a), `output ${k}: ${b} against ${a}`).toBeLessThanOrEqual(1e-12 * Math.abs(a));
  }
}

describe.each(specs.map((spec) => ({ name: spec.name, spec })))('$name WebAssembly pass', ({ spec }) => {
  it.each([1, 2, 3, 5, 9])('has vector code and agrees with the JavaScript kernel, m = %i, with and without weights', (m) => {
    expect(wasmPass(spec, m, false)).not.toBeNull();
    expect(wasmPass(spec, m, true)).not.toBeNull();
    const { x, w, packed } = kernelCase(spec, m, 7 + m, 3001);
    for (const weights of [null, w]) {
      const [javascript, wasm, handed] = both(spec, m, x, weights, packed);
      expect(handed).toEqual([]);
      expect(javascript.every((v) => Number.isFinite(v))).toBe(true);
      expectClose(javascript, wasm);
    }
  });
});

describe('the vector code of every spec', () => {
  it(`builds for every number of components up to ${MAX_COMPONENTS}, and none beyond`, () => {
    for (const spec of specs) {
      for (let m = 1; m <= MAX_COMPONENTS; m++) for (const weighted of [false, true]) expect(wasmPass(spec, m, weighted)).not.toBeNull();
      expect(wasmPass(spec, MAX_COMPONENTS + 1, false)).toBeNull();
    }
  });
});

describe('rows the vector code leaves to the JavaScript kernel', () => {
  const rows = (value: (i: number) => number): Float64Array => Float64Array.from({ length: 3001 }, (_, i) => value(i));
  const packed = (spec: KernelSpec, m: number, seed: number): Float64Array => {
    const random = mulberry32(seed);
    return Float64Array.from({ length: spec.params.length * m }, () => 0.2 + random());
  };
  const w = rows((i) => 1 + (i % 4));

  it('Poisson counts beyond the table of log x!', () => {
    const x = rows((i) => (i === 1700 ? 5000 : i % 13));
    for (const weights of [null, w]) {
      const [javascript, wasm, handed] = both(POISSON_KERNEL, 3, x, weights, packed(POISSON_KERNEL, 3, 1));
      expectHanded(handed, 1700);
      expectClose(javascript, wasm);
    }
  });

  it('log x of a subnormal x (log-normal, gamma, Weibull)', () => {
    const x = rows((i) => (i === 2222 ? 5e-324 : 0.5 + (i % 17)));
    for (const spec of [LOGNORMAL_KERNEL, GAMMA_KERNEL, WEIBULL_KERNEL]) {
      for (const weights of [null, w]) {
        const [javascript, wasm, handed] = both(spec, 2, x, weights, packed(spec, 2, 2));
        expectHanded(handed, 2222);
        expectClose(javascript, wasm);
      }
    }
  });

  it("a Weibull's (x/σ)^κ beyond e^709", () => {
    // κ = 3 and log σ ≈ 0.2–1.2: at x = 1e300 (log x = 690.8) κ log(x/σ) is about 2,070, beyond 709.
    const x = rows((i) => (i === 900 ? 1e300 : 0.5 + (i % 11)));
    for (const spec of [WEIBULL_KERNEL, WEIBULL_EXPANDED_KERNEL]) {
      const p = packed(spec, 3, 3);
      for (let j = 0; j < 3; j++) p[3 + j] = 3; // κ = 3
      for (const weights of [null, w]) {
        const [javascript, wasm, handed] = both(spec, 3, x, weights, p);
        expectHanded(handed, 900);
        expectClose(javascript, wasm);
      }
    }
  });

  it("a t's (x − μ)² that overflows", () => {
    const x = rows((i) => (i === 1234 ? 1e200 : (i % 9) - 4));
    for (const weights of [null, w]) {
      const [javascript, wasm, handed] = both(T_KERNEL, 3, x, weights, packed(T_KERNEL, 3, 4));
      expectHanded(handed, 1234);
      expectClose(javascript, wasm);
    }
  });

  it('a parameter that is not finite: the whole pass, the same bits', () => {
    const x = rows((i) => 0.5 + (i % 11));
    const p = packed(EXPONENTIAL_KERNEL, 3, 5);
    p[4] = Number.NaN;
    const [javascript, wasm, handed] = both(EXPONENTIAL_KERNEL, 3, x, null, p);
    expect(handed).toEqual([[100, x.length]]);
    // The JavaScript kernel's Math.max sees the NaN (pmax would pass over it).
    expect(Number.isNaN(javascript[1])).toBe(true);
    expect([...wasm]).toEqual([...javascript]);
  });
});
