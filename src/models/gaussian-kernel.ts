/**
 * The fused Gaussian E-step kernel, specialised to the number of live components.
 *
 * For each row x_i and live component j (parameters packed as μ_j, c_j, h_j):
 *   d_j = x_i − μ_j,  a_j = c_j − h_j d_j²      (c_j = log π_j − ½ log 2πσ²_j, h_j = 1/2σ²_j)
 *   top = max_j a_j,  e_j = exp(a_j − top),  s = Σ_j e_j,  r_j = e_j / s
 *   log p(x_i) = top + log s
 * and the sums N_j = Σ w r_j, S1_j = Σ w r_j d_j, S2_j = Σ w r_j d_j², Σ w top, Σ w log s.
 * The entropy needs no sum of its own: Σ_j r_j log r_j = Σ_j r_j a_j − top − log s, and
 * Σ_i w_i Σ_j r_ij a_ij = Σ_j (c_j N_j − h_j S2_j) (see gaussian.ts).
 *
 * Why generated code: written as loops over j, the per-component quantities live in small
 * arrays that V8 reads and writes through memory on every row; written out with one
 * variable per component, they stay in registers and the pass runs about twice as fast
 * (measured: 34 ms against 78 ms per million rows at K = 3). So the kernel for m
 * components is built once, as source text from the template below, and cached.
 *
 * More savings: the largest term is exactly 1, so its exp is skipped (7% faster, measured,
 * despite the branch); without weights, Σ_i log s_i is the log of a running product, taken
 * once per block of rows (s_i ≤ m, and m^BLOCK stays far below overflow); and the sums are
 * gathered per block first, which also keeps their rounding error small.
 */
import { expNonPositive, expNonPositiveSource, TWO_J, TWO_M } from './exp.js';
import { wasmKernel } from './gaussian-wasm.js';

/**
 * Adds one pass over rows [start, end) into `out`:
 *   out[0] += Σ w top,  out[1] += Σ w log s,
 *   out[2 + j] += N_j,  out[2 + m + j] += S1_j,  out[2 + 2m + j] += S2_j.
 * `packed` holds μ_0..μ_{m−1}, c_0..c_{m−1}, h_0..h_{m−1}.
 */
export type Kernel = (x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array) => void;

/** The kernels chosen (kernel), and the JavaScript ones built, by weighted (0, 1) and number of components. */
const kernels: (Kernel | undefined)[][] = [[], []];
const javascriptKernels: (Kernel | undefined)[][] = [[], []];

/**
 * Rows from which a pass uses the kernel generated for its number of components; below, the
 * loop kernel, which gives the same bits and needs no warming up per K (see loopKernel).
 * The families' kernels (families/kernel.ts) switch at the same size.
 */
export const GENERATED_FROM_ROWS = 16_384;

/** Rows per block: Π s_i over a block stays below m^BLOCK ≤ e^600 (s_i ≤ m). */
export function blockSize(m: number): number {
  return m < 2 ? 4096 : Math.min(4096, Math.floor(600 / Math.log(m)));
}

/** The source of the kernel for m live components, with or without weights. */
export function kernelSource(m: number, weighted: boolean): string {
  const js = Array.from({ length: m }, (_, j) => j);
  const each = (line: (j: number) => string, sep = '\n'): string => js.map(line).join(sep);
  const sum = (term: (j: number) => string): string => js.map(term).join(' + ');
  return `
${each((j) => `const mu${j} = packed[${j}], c${j} = packed[${m + j}], h${j} = packed[${2 * m + j}];`)}
let sumTop = 0, sumLogS = 0;
${each((j) => `let n${j} = 0, s1${j} = 0, s2${j} = 0;`)}
for (let b = start; b < end; b += ${blockSize(m)}) {
  const stop = Math.min(end, b + ${blockSize(m)});
  let top_ = 0, ${weighted ? 'logs_ = 0' : 'prod_ = 1'};
  ${each((j) => `let bn${j} = 0, bs1${j} = 0, bs2${j} = 0;`, '\n  ')}
  for (let i = b; i < stop; i++) {
    ${weighted ? 'const wi = w[i];\n    if (wi === 0) continue;' : ''}
    const xi = x[i];
    ${each((j) => `const d${j} = xi - mu${j}, a${j} = c${j} - h${j} * d${j} * d${j};`, '\n    ')}
    const top = ${m === 1 ? 'a0' : `Math.max(${each((j) => `a${j}`, ', ')})`};
    ${each((j) => `let e${j} = 1;\n    if (a${j} !== top) {\n      const v${j} = a${j} - top;\n      ${expNonPositiveSource(`v${j}`, `e${j}`)}\n    }`, '\n    ')}
    const s = ${sum((j) => `e${j}`)};
    const q = ${weighted ? 'wi' : '1'} / s;
    ${each((j) => `const r${j} = e${j} * q, rd${j} = r${j} * d${j};\n    bn${j} += r${j}; bs1${j} += rd${j}; bs2${j} += rd${j} * d${j};`, '\n    ')}
    ${weighted ? 'top_ += wi * top;\n    logs_ += wi * Math.log(s);' : 'top_ += top;\n    prod_ *= s;'}
  }
  sumTop += top_;
  sumLogS += ${weighted ? 'logs_' : 'Math.log(prod_)'};
  ${each((j) => `n${j} += bn${j}; s1${j} += bs1${j}; s2${j} += bs2${j};`, '\n  ')}
}
out[0] += sumTop;
out[1] += sumLogS;
${each((j) => `out[${2 + j}] += n${j}; out[${2 + m + j}] += s1${j}; out[${2 + 2 * m + j}] += s2${j};`)}
`;
}

/** Per-component scratch of the loop kernels, grown as needed. */
let scratch = new Float64Array(9 * 16);

/**
 * The same pass written with loops over the components: the same operations in the same
 * order as the generated kernel, so the same bits. Generated code is twice as fast per row,
 * but each kernel is a new function that V8 must warm up (interpreted first calls of 2–7 ms
 * on 2,000 rows, then optimised, measured): on small data, where a model search makes
 * thousands of passes spread over many K, one loop kernel warm for every K is faster. There
 * are two, with and without weights, so that each stays monomorphic.
 */
export function loopKernel(m: number, x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array): void {
  if (!(m >= 1)) throw new RangeError(`internal error: an E-step over ${m} live components`);
  if (scratch.length < 9 * m) scratch = new Float64Array(9 * m);
  if (w === null) loopUnweighted(m, x, start, end, packed, out, scratch);
  else loopWeighted(m, x, w, start, end, packed, out, scratch);
}

// Scratch layout: a_j [0, m), e_j [m, 2m), d_j [2m, 3m), block sums N, S1, S2 [3m, 6m), totals [6m, 9m).

function loopUnweighted(m: number, x: Float64Array, start: number, end: number, packed: Float64Array, out: Float64Array, t: Float64Array): void {
  const block = blockSize(m);
  const m2 = 2 * m;
  const m3 = 3 * m;
  const m4 = 4 * m;
  const m5 = 5 * m;
  const m6 = 6 * m;
  let sumTop = 0;
  let sumLogS = 0;
  t.fill(0, m6, 9 * m);
  for (let b = start; b < end; b += block) {
    const stop = Math.min(end, b + block);
    let top_ = 0;
    let prod_ = 1;
    t.fill(0, m3, m6);
    for (let i = b; i < stop; i++) {
      const xi = x[i];
      let top = -Infinity;
      for (let j = 0; j < m; j++) {
        const d = xi - packed[j];
        const a = packed[m + j] - packed[m2 + j] * d * d;
        t[j] = a;
        t[m2 + j] = d;
        if (!(a <= top)) top = a;
      }
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const a = t[j];
        const e = a === top ? 1 : expNonPositive(a - top);
        t[m + j] = e;
        sum += e;
      }
      const q = 1 / sum;
      for (let j = 0; j < m; j++) {
        const d = t[m2 + j];
        const r = t[m + j] * q;
        const rd = r * d;
        t[m3 + j] += r;
        t[m4 + j] += rd;
        t[m5 + j] += rd * d;
      }
      top_ += top;
      prod_ *= sum;
    }
    sumTop += top_;
    sumLogS += Math.log(prod_);
    for (let j = 0; j < m3; j++) t[m6 + j] += t[m3 + j];
  }
  out[0] += sumTop;
  out[1] += sumLogS;
  for (let j = 0; j < m3; j++) out[2 + j] += t[m6 + j];
}

function loopWeighted(m: number, x: Float64Array, w: Float64Array, start: number, end: number, packed: Float64Array, out: Float64Array, t: Float64Array): void {
  const block = blockSize(m);
  const m2 = 2 * m;
  const m3 = 3 * m;
  const m4 = 4 * m;
  const m5 = 5 * m;
  const m6 = 6 * m;
  let sumTop = 0;
  let sumLogS = 0;
  t.fill(0, m6, 9 * m);
  for (let b = start; b < end; b += block) {
    const stop = Math.min(end, b + block);
    let top_ = 0;
    let logs_ = 0;
    t.fill(0, m3, m6);
    for (let i = b; i < stop; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      const xi = x[i];
      let top = -Infinity;
      for (let j = 0; j < m; j++) {
        const d = xi - packed[j];
        const a = packed[m + j] - packed[m2 + j] * d * d;
        t[j] = a;
        t[m2 + j] = d;
        if (!(a <= top)) top = a;
      }
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const a = t[j];
        const e = a === top ? 1 : expNonPositive(a - top);
        t[m + j] = e;
        sum += e;
      }
      const q = wi / sum;
      for (let j = 0; j < m; j++) {
        const d = t[m2 + j];
        const r = t[m + j] * q;
        const rd = r * d;
        t[m3 + j] += r;
        t[m4 + j] += rd;
        t[m5 + j] += rd * d;
      }
      top_ += wi * top;
      logs_ += wi * Math.log(sum);
    }
    sumTop += top_;
    sumLogS += logs_;
    for (let j = 0; j < m3; j++) t[m6 + j] += t[m3 + j];
  }
  out[0] += sumTop;
  out[1] += sumLogS;
  for (let j = 0; j < m3; j++) out[2 + j] += t[m6 + j];
}

/**
 * Rows passed by the loop kernel so far, per kernel: small data passed very many times (a
 * batch of files) pay for building the generated kernel, which is 30% faster at 200 rows
 * (4.6 against 6.6 µs a pass at K = 3, measured) once V8 has optimised it. Building is
 * cheap (0.6 ms), but a new kernel runs slowly until optimised, tens of ms of a search: with
 * a threshold of 65,536 rows, the default search on 5,000 rows, which builds one per K up to
 * 9, took 0.9 s instead of 0.5 s. So only after 1M rows of passes with that K.
 */
const loopRows: number[][] = [[], []];

/** Rows the loop kernel passes for m components before the generated one is built anyway. */
export const LOOP_ROWS_BEFORE_GENERATING = 64 * GENERATED_FROM_ROWS;

/**
 * The kernel to pass `rows` rows with: the WebAssembly one whenever it can be built (it needs
 * no warming up per K, and is about twice as fast as the loop kernel on 200 rows and 1.7
 * times the generated one on a million: 2.9 against 6.2 µs, 14 against 24 ms at K = 3,
 * measured); else as javascriptKernelFor. All give the same bits.
 */
export function kernelFor(m: number, weighted: boolean, rows: number): Kernel | null {
  // Looked up by index, not by a key built per pass (a search makes hundreds of passes a file).
  const w = weighted ? 1 : 0;
  const built = kernels[w][m];
  if (built !== undefined) return built;
  if (wasmKernel(m, blockSize(m), weighted) !== null) return kernel(m, weighted);
  return javascriptKernelFor(m, weighted, rows);
}

/**
 * Without WebAssembly: the generated JavaScript kernel from GENERATED_FROM_ROWS rows, or when
 * built already, or once the loop kernel has passed LOOP_ROWS_BEFORE_GENERATING rows with m
 * components; else null (the loop kernel). Both give the same bits.
 */
export function javascriptKernelFor(m: number, weighted: boolean, rows: number): Kernel | null {
  const w = weighted ? 1 : 0;
  const built = javascriptKernels[w][m];
  if (built !== undefined) return built;
  if (rows >= GENERATED_FROM_ROWS) return javascriptKernel(m, weighted);
  const passed = (loopRows[w][m] ?? 0) + rows;
  if (passed < LOOP_ROWS_BEFORE_GENERATING) {
    loopRows[w][m] = passed;
    return null;
  }
  return javascriptKernel(m, weighted);
}

/**
 * The kernel for m live components, built on first use: the WebAssembly one (gaussian-wasm.ts,
 * 1.7 times as fast without weights on the benchmark's data) where it can be built, else the
 * generated JavaScript one; the same bits either way.
 */
export function kernel(m: number, weighted: boolean): Kernel {
  // Weights sum to 1, so at least one component is live; anything else is a bug upstream.
  if (!(m >= 1)) throw new RangeError(`internal error: an E-step over ${m} live components`);
  const w = weighted ? 1 : 0;
  let k = kernels[w][m];
  if (k === undefined) {
    k = wasmKernel(m, blockSize(m), weighted) ?? javascriptKernel(m, weighted);
    kernels[w][m] = k;
  }
  return k;
}

/** The generated JavaScript kernel for m live components (kernelSource), built on first use. */
export function javascriptKernel(m: number, weighted: boolean): Kernel {
  const w = weighted ? 1 : 0;
  let k = javascriptKernels[w][m];
  if (k === undefined) {
    const make = new Function('TWO_J', 'TWO_M', `return function gaussianPass${m}${weighted ? 'w' : ''}(x, w, start, end, packed, out) {${kernelSource(m, weighted)}};`);
    k = make(TWO_J, TWO_M) as Kernel;
    javascriptKernels[w][m] = k;
  }
  return k;
}
