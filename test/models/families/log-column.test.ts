/**
 * log-column.ts: the column of log x that the log-normal's and the Weibull's WebAssembly passes
 * read instead of taking the log of every row in every pass, kept per data array.
 */
import { describe, expect, it } from 'vitest';
import { type KernelSpec, outLength, runKernel } from '../../../src/models/families/kernel.js';
import { logColumn } from '../../../src/models/families/log-column.js';
import { LOGNORMAL_KERNEL } from '../../../src/models/families/lognormal.js';
import { WEIBULL_EXPANDED_KERNEL, WEIBULL_KERNEL } from '../../../src/models/families/weibull.js';
import { blockSize } from '../../../src/models/gaussian-kernel.js';
import { wasmSimd } from '../../../src/models/wasm.js';
import { kernelCase, wasmRun } from '../../helpers/kernel-cases.js';

/** An ulp of v: 2^(e − 52) for 2^e ≤ |v| < 2^(e + 1). */
const ulp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 52);
/** Within 2 ulps of Math.log, as exp.ts's table log is (test/models/exp.test.ts). */
const expectLog = (log: number, x: number): void => {
  expect(Math.abs(log - Math.log(x)), `log ${x}`).toBeLessThanOrEqual(2 * ulp(Math.log(x)));
};

describe('logColumn', () => {
  it('holds log x within 2 ulps of Math.log (the table log), and NaN where the table log does not go', () => {
    // exp.ts's table log is within 2 ulps of Math.log (test/models/exp.test.ts); the column must
    // be that log, and NaN for zero, subnormals, ∞ and NaN (the vector code's fallback marks).
    const x = Float64Array.of(1, 2, 0.5, Math.E, 1e-300, 1e300, 3.7, 2 ** -1022, Number.MAX_VALUE, 5e-324, 0, Infinity, Number.NaN);
    const logs = logColumn(x, 0, x.length);
    for (let i = 1; i < 9; i++) expectLog(logs[i], x[i]);
    expect(logs[0]).toBe(0);
    for (let i = 9; i < x.length; i++) expect(logs[i], `log ${x[i]}`).toBeNaN();
  });

  it('takes the rows a pass asks for, a block of 4,096 at a time, once', () => {
    const x = Float64Array.from({ length: 20_000 }, (_, i) => 1 + i);
    const logs = logColumn(x, 5000, 6000);
    // Rows 4,096..8,191 are taken (the block holding 5,000..5,999), no others yet.
    expect(logColumn(x, 4096, 4097)).toBe(logs);
    expectLog(logs[4096], 4097);
    expectLog(logs[5500], 5501);
    expect(logs[4095]).toBe(0);
    expect(logs[8192]).toBe(0);
    // A block taken is not taken again: changed x (which data never is) leaves its logs as they were.
    const before = logs[5500];
    x[5500] = 1;
    expect(logColumn(x, 5000, 6000)[5500]).toBe(before);
    // A later pass over all rows takes the rest and returns the same array.
    expect(logColumn(x, 0, x.length)).toBe(logs);
    expectLog(logs[19_999], 20_000);
    // Another array (or another view of the same memory, as --by's groups make), another column.
    expect(logColumn(Float64Array.from(x), 0, x.length)).not.toBe(logs);
    expect(logColumn(x.subarray(0), 0, x.length)).not.toBe(logs);
  });
});

describe('the WebAssembly passes that read log x from the column', () => {
  // Each spec beside the same vector code taking the table log of x itself (logX: true, as
  // before the column): the vector log and exp.ts's table log give the same bits
  // (test/models/wasm-math.test.ts), so the passes must agree to the bit and hand the same
  // blocks to the JavaScript kernel.
  const specs = [LOGNORMAL_KERNEL, WEIBULL_KERNEL, WEIBULL_EXPANDED_KERNEL].map((spec) => ({ name: spec.name, spec, selfLogged: { ...spec, wasm: { ...spec.wasm!, logX: true } } as KernelSpec }));
  /** Both passes over rows [start, x.length): their outputs, and the blocks the column's pass handed over. */
  const both = (spec: KernelSpec, selfLogged: KernelSpec, m: number, x: Float64Array, w: Float64Array | null, start: number, packed: Float64Array): [number[], number[], [number, number][]] => {
    expect(wasmSimd).toBe(true);
    const fromColumn = wasmRun(spec, m, x, w, start, packed);
    const inPass = wasmRun(selfLogged, m, x, w, start, packed);
    expect(inPass.handed).toEqual(fromColumn.handed);
    return [[...fromColumn.out], [...inPass.out], fromColumn.handed];
  };

  it.each(specs)('$name: the same bits as taking the logs in the pass', ({ spec, selfLogged }) => {
    expect(spec.wasm?.logX).toBe('input');
    // m = 2 makes blocks of an odd number of rows (865), so every block ends with a lone row;
    // 4,997 rows from row 6 end the pass with one too. A subnormal (its log NaN, its block the
    // JavaScript kernel's) first in the second block sits next to the first block's lone row.
    for (const m of [1, 2, 3, 4]) {
      const { x, w, packed } = kernelCase(spec, m, 11 + m, 5003);
      const subnormal = 6 + blockSize(m);
      x[subnormal] = 5e-324;
      for (const weights of [null, w]) {
        const [fromColumn, inPass, handed] = both(spec, selfLogged, m, x, weights, 6, packed);
        expect(handed).toEqual([[subnormal, Math.min(x.length, subnormal + blockSize(m))]]);
        expect(fromColumn.every((v) => Number.isFinite(v))).toBe(true);
        expect(fromColumn).toEqual(inPass);
      }
    }
  });

  it.each(specs)("$name: a pass's lone last row is not read beside what an earlier pass left in the rows' memory", ({ spec, selfLogged }) => {
    // A pass over 6,000 rows with a subnormal at row 5,001 leaves a NaN log there in the
    // kernel's memory; a pass over 5,001 rows then ends with a lone row (row 5,000) next to it.
    const m = 1;
    const earlier = kernelCase(spec, m, 5, 6000);
    earlier.x[5001] = 5e-324;
    runKernel(spec, m, earlier.x, null, 0, earlier.x.length, earlier.packed, new Float64Array(outLength(spec, m)));
    const { x, packed } = kernelCase(spec, m, 6, 5001);
    const [fromColumn, inPass, handed] = both(spec, selfLogged, m, x, null, 0, packed);
    expect(handed).toEqual([]);
    expect(fromColumn.every((v) => Number.isFinite(v))).toBe(true);
    expect(fromColumn).toEqual(inPass);
  });
});
