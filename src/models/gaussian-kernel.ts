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
 *
 * The order of the sums: within a block, the even rows (b, b + 2, …) and the odd rows are
 * summed apart, and a block adds (even + odd) into the totals; without weights Σ log s of a
 * block is log(Π_even s · Π_odd s). That is the order of the WebAssembly kernel
 * (gaussian-wasm.ts), which keeps the two rows of a SIMD vector in its two lanes all along
 * (12 ms a pass per 1M rows at K = 3, against 14 ms adding the lanes row by row in the
 * JavaScript kernels' former order); every kernel here sums in it, so all give the same bits.
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
  // Row i into the sums of the block's even rows (P = 'E') or odd rows ('O'): see the header.
  const row = (i: string, P: string): string => `{
    ${weighted ? `const wi = w[${i}];\n    if (wi !== 0) {` : '{'}
    const xi = x[${i}];
    ${each((j) => `const d${j} = xi - mu${j}, a${j} = c${j} - h${j} * d${j} * d${j};`, '\n    ')}
    const top = ${m === 1 ? 'a0' : `Math.max(${each((j) => `a${j}`, ', ')})`};
    ${each((j) => `let e${j} = 1;\n    if (a${j} !== top) {\n      const v${j} = a${j} - top;\n      ${expNonPositiveSource(`v${j}`, `e${j}`)}\n    }`, '\n    ')}
    const s = ${sum((j) => `e${j}`)};
    const q = ${weighted ? 'wi' : '1'} / s;
    ${each((j) => `const r${j} = e${j} * q, rd${j} = r${j} * d${j};\n    bn${P}${j} += r${j}; bs1${P}${j} += rd${j}; bs2${P}${j} += rd${j} * d${j};`, '\n    ')}
    ${weighted ? `top${P} += wi * top;\n    logs${P} += wi * Math.log(s);` : `top${P} += top;\n    prod${P} *= s;`}
    }
  }`;
  return `
${each((j) => `const mu${j} = packed[${j}], c${j} = packed[${m + j}], h${j} = packed[${2 * m + j}];`)}
let sumTop = 0, sumLogS = 0;
${each((j) => `let n${j} = 0, s1${j} = 0, s2${j} = 0;`)}
for (let b = start; b < end; b += ${blockSize(m)}) {
  const stop = Math.min(end, b + ${blockSize(m)});
  let topE = 0, topO = 0, ${weighted ? 'logsE = 0, logsO = 0' : 'prodE = 1, prodO = 1'};
  ${each((j) => `let bnE${j} = 0, bs1E${j} = 0, bs2E${j} = 0, bnO${j} = 0, bs1O${j} = 0, bs2O${j} = 0;`, '\n  ')}
  for (let i = b; i < stop; i += 2) {
    ${row('i', 'E')}
    if (i + 1 < stop) {
      ${row('i + 1', 'O')}
    }
  }
  sumTop += topE + topO;
  sumLogS += ${weighted ? 'logsE + logsO' : 'Math.log(prodE * prodO)'};
  ${each((j) => `n${j} += bnE${j} + bnO${j}; s1${j} += bs1E${j} + bs1O${j}; s2${j} += bs2E${j} + bs2O${j};`, '\n  ')}
}
out[0] += sumTop;
out[1] += sumLogS;
${each((j) => `out[${2 + j}] += n${j}; out[${2 + m + j}] += s1${j}; out[${2 + 2 * m + j}] += s2${j};`)}
`;
}

/** Per-component scratch of the loop kernels, grown as needed. */
let scratch = new Float64Array(12 * 16);

/**
 * The same pass written with loops over the components: the same operations in the same
 * order as the generated kernel, so the same bits. Generated code is twice as fast per row,
 * but each kernel is a new function that V8 must warm up (interpreted first calls of 2–7 ms
 * on 2,000 rows, then optimised, measured): on small data, where a model search makes
 * thousands of passes spread over many K, one loop kernel warm for every K is faster. One
 * loop serves both, with and without weights (since the WebAssembly kernel, it runs only
 * where WebAssembly cannot).
 */
export function loopKernel(m: number, x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array): void {
  if (!(m >= 1)) throw new RangeError(`internal error: an E-step over ${m} live components`);
  if (scratch.length < 12 * m) scratch = new Float64Array(12 * m);
  loop(m, x, w, start, end, packed, out, scratch);
}

// Scratch layout: a_j [0, m), e_j [m, 2m), d_j [2m, 3m), block sums N, S1, S2 of the even
// rows [3m, 6m) and of the odd rows [6m, 9m), totals [9m, 12m).

function loop(m: number, x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array, t: Float64Array): void {
  const block = blockSize(m);
  const m2 = 2 * m;
  const m3 = 3 * m;
  const m9 = 9 * m;
  let sumTop = 0;
  let sumLogS = 0;
  t.fill(0, m9, 12 * m);
  for (let b = start; b < end; b += block) {
    const stop = Math.min(end, b + block);
    // [even rows, odd rows] of the block: Σ w top, and Π s (unweighted) or Σ w log s.
    let topE = 0;
    let topO = 0;
    let logE = w === null ? 1 : 0;
    let logO = logE;
    t.fill(0, m3, m9);
    for (let i = b; i < stop; i++) {
      const wi = w === null ? 1 : w[i];
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
      const odd = (i - b) & 1;
      const at = m3 + odd * m3;
      for (let j = 0; j < m; j++) {
        const d = t[m2 + j];
        const r = t[m + j] * q;
        const rd = r * d;
        t[at + j] += r;
        t[at + m + j] += rd;
        t[at + m2 + j] += rd * d;
      }
      if (w === null) {
        if (odd === 0) {
          topE += top;
          logE *= sum;
        } else {
          topO += top;
          logO *= sum;
        }
      } else if (odd === 0) {
        topE += wi * top;
        logE += wi * Math.log(sum);
      } else {
        topO += wi * top;
        logO += wi * Math.log(sum);
      }
    }
    sumTop += topE + topO;
    sumLogS += w === null ? Math.log(logE * logO) : logE + logO;
    for (let j = 0; j < m3; j++) t[m9 + j] += t[m3 + j] + t[2 * m3 + j];
  }
  out[0] += sumTop;
  out[1] += sumLogS;
  for (let j = 0; j < m3; j++) out[2 + j] += t[m9 + j];
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
 * no warming up per K, and is about twice as fast as the loop kernel on 200 rows and twice
 * the generated one on a million: 2.6 against 6.2 µs, 10.4–10.8 against 24–27 ms at K = 3,
 * measured); else as javascriptKernelFor. All give the same bits.
 */
export function kernelFor(m: number, weighted: boolean, rows: number): Kernel | null {
  // Looked up by index, not by a key built per pass (a search makes hundreds of passes a file).
  const w = weighted ? 1 : 0;
  const built = kernels[w][m];
  if (built !== undefined) return built;
  if (wasmKernel(m, blockSize(m), weighted, () => javascriptKernel(m, weighted)) !== null) return kernel(m, weighted);
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
 * twice as fast without weights on the benchmark's data) where it can be built, else the
 * generated JavaScript one; the same bits either way.
 */
export function kernel(m: number, weighted: boolean): Kernel {
  // Weights sum to 1, so at least one component is live; anything else is a bug upstream.
  if (!(m >= 1)) throw new RangeError(`internal error: an E-step over ${m} live components`);
  const w = weighted ? 1 : 0;
  let k = kernels[w][m];
  if (k === undefined) {
    k = wasmKernel(m, blockSize(m), weighted, () => javascriptKernel(m, weighted)) ?? javascriptKernel(m, weighted);
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
