/**
 * The families' kernel specs and seeded rows for them, and their WebAssembly pass with the
 * blocks it hands to the JavaScript kernel, shared by the kernel tests
 * (test/models/families/kernel.test.ts, kernel-wasm.test.ts, log-column.test.ts).
 */
import { EXPONENTIAL_KERNEL } from '../../src/models/families/exponential.js';
import { GAMMA_KERNEL } from '../../src/models/families/gamma.js';
import { type KernelSpec, outLength, runKernel } from '../../src/models/families/kernel.js';
import { wasmPass } from '../../src/models/families/kernel-wasm.js';
import { logColumn } from '../../src/models/families/log-column.js';
import { LOGNORMAL_KERNEL } from '../../src/models/families/lognormal.js';
import { POISSON_KERNEL } from '../../src/models/families/poisson.js';
import { T_KERNEL } from '../../src/models/families/t.js';
import { WEIBULL_EXPANDED_KERNEL, WEIBULL_KERNEL } from '../../src/models/families/weibull.js';
import { mulberry32 } from '../../src/select/rng.js';

export const KERNEL_SPECS: readonly KernelSpec[] = [POISSON_KERNEL, EXPONENTIAL_KERNEL, LOGNORMAL_KERNEL, GAMMA_KERNEL, WEIBULL_KERNEL, WEIBULL_EXPANDED_KERNEL, T_KERNEL];

/**
 * n seeded rows for `spec` with m components: counts for the Poisson, positive reals for the
 * others; weights with zeros (rows the JavaScript kernels skip) and of several sizes;
 * parameters positive and of order 1 (the kernels are compared with each other, so any values
 * in the families' domains will do).
 */
export function kernelCase(spec: KernelSpec, m: number, seed: number, n: number): { x: Float64Array; w: Float64Array; packed: Float64Array } {
  const random = mulberry32(seed);
  const x = Float64Array.from({ length: n }, () => (spec.name === 'poisson' ? Math.floor(15 * random()) : 0.05 + 12 * random()));
  const w = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : 1 + (i % 3)));
  const packed = Float64Array.from({ length: spec.params.length * m }, () => 0.2 + random());
  return { x, w, packed };
}

/**
 * The WebAssembly pass of `spec` over rows [start, x.length) (an error where there is none),
 * and the rows [from, to) of each block it handed to the JavaScript kernel: the tests compare
 * it with that kernel, so without this count a pass that handed every block over would agree
 * with it by being it. A handed block is taken by the JavaScript loop kernel and added in.
 */
export function wasmRun(spec: KernelSpec, m: number, x: Float64Array, w: Float64Array | null, start: number, packed: Float64Array): { out: Float64Array; handed: [number, number][] } {
  const pass = wasmPass(spec, m, w !== null);
  if (pass === null) throw new Error(`no WebAssembly pass for ${spec.name}, m = ${m}`);
  const out = new Float64Array(outLength(spec, m));
  const handed: [number, number][] = [];
  const block = new Float64Array(outLength(spec, m));
  const rows = spec.wasm?.logX === 'input' ? logColumn(x, start, x.length) : x;
  pass(x, rows, w, start, x.length, packed, out, (s, mm, xx, ww, from, to, pk, into) => {
    handed.push([from, to]);
    runKernel(s, mm, xx, ww, from, to, pk, block, false);
    for (let k = 0; k < block.length; k++) into[k] += block[k];
  });
  return { out, handed };
}
