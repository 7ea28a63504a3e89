/**
 * The Gaussian E-step kernel (gaussian-kernel.ts) in WebAssembly with 128-bit SIMD: two rows
 * at a time, the same operations in the same order per row, so the same bits as the
 * JavaScript kernels (test/models/gaussian-kernel.test.ts compares them).
 *
 * Why: on the benchmark's million rows (K = 3) the JavaScript kernel takes 24–27 ms a pass,
 * the same pass here 10.4–10.8 ms (measured on this project's 2-core machine, one thread). The rows
 * are evaluated in the two lanes of f64x2 vectors: d, a = c − h·d², the largest a, Tang's exp
 * of a − top (exp.ts's, as vector code in wasm-math.ts; every term, the largest too, whose exp(0) is exactly 1 as the
 * JavaScript kernel's skipped one: no branch on which component is largest, which the
 * JavaScript kernel mispredicts on mixed data), s, 1/s and the responsibilities. The table
 * lookup 2^(j/256) is a load per lane, 2^m is built from its bits. The sums stay in vectors
 * too, the block's even rows in lane 0 and its odd rows in lane 1, added (even + odd) into
 * the totals at the end of the block; the JavaScript kernels sum in that order (see
 * gaussian-kernel.ts), so the sums round alike. Per block of rows, Σ log s is
 * log(Π_even s · Π_odd s) with JavaScript's Math.log (imported), as there.
 *
 * Memory: one WebAssembly memory per thread (about 1.1 MB): the table 2^(j/256), the packed
 * parameters, the running sums, and room for 65,536 rows and their weights, into which each
 * pass copies its rows (8 bytes a row, about 1/20 of the pass) piece by piece; pieces are whole
 * blocks, so the blocks, and the order of every sum, are those of one JavaScript call.
 *
 * With weights, Σ w log s takes Math.log per row, as the JavaScript kernel does, and a row of
 * weight 0 adds zeros instead of being skipped (the same sums). Without WebAssembly SIMD,
 * for more than MAX_COMPONENTS components, or with EM_FIT_WASM=0 in the environment (to
 * compare the two), gaussian-kernel.ts uses its JavaScript kernels.
 */
import type { Kernel } from './gaussian-kernel.js';
import { Code, copyParameters, copyRows, F64, I32, type KernelMemory, kernelMemory, passFunction, rowPairs, V128, wasmSimd } from './wasm.js';
import { MATH_TABLE_BYTES, VectorMath, writeMathTables } from './wasm-math.js';

const PAGE = 65_536;
/** The most components a kernel is generated for here (locals grow with them). */
export const MAX_COMPONENTS = 64;
/** Byte offsets in the memory: wasm-math.ts's tables at 0, then the packed parameters, the sums and the rows. */
const PACKED = MATH_TABLE_BYTES;
const SUMS = PACKED + 8 * 3 * MAX_COMPONENTS;
const ROWS = PAGE;
const CAPACITY = 1 << 16;
const WEIGHTS = ROWS + 8 * CAPACITY;
const PAGES = (WEIGHTS + 8 * CAPACITY) / PAGE;

/**
 * The code of `pass(rows)`: the kernel over the `rows` rows at ROWS, adding into the sums at
 * SUMS (Σ top, Σ log s, N_j, S1_j, S2_j, as the JavaScript kernel's `out`), for m
 * components in blocks of `block` rows.
 */
function passCode(m: number, block: number, weighted: boolean): Code {
  const c = new Code([I32]);
  const rows = 0;
  const [b, stop, i] = [c.local(I32), c.local(I32), c.local(I32)];
  // The block's sums of its even rows (lane 0) and odd rows (lane 1): Σ w top, N_j, S1_j, S2_j,
  // and Π s (product, unweighted); with weights, Σ w log s in logEven and logOdd.
  const [sumTop, sumLogS, logEven, logOdd] = [c.local(F64), c.local(F64), c.local(F64), c.local(F64)];
  const perComponent = (type: typeof F64 | typeof V128): number[] => Array.from({ length: m }, () => c.local(type));
  const [n, s1, s2] = [perComponent(F64), perComponent(F64), perComponent(F64)];
  const [bn, bs1, bs2, mu, cj, h, d, a, e] = Array.from({ length: 9 }, () => perComponent(V128));
  const [x, wv, top, s, q, v, rj, rd, rdd, blockTop, product, lane0, infiniteTop] = Array.from({ length: 13 }, () => c.local(V128));
  const math = new VectorMath(c);
  const splat = (value: number): Code => c.f64x2Const(value);
  const sums: [number[], number][] = [
    [n, 2],
    [s1, 2 + m],
    [s2, 2 + 2 * m],
  ];

  for (let j = 0; j < m; j++) {
    c.i32(0).v128Load64Splat(PACKED + 8 * j).set(mu[j]);
    c.i32(0).v128Load64Splat(PACKED + 8 * (m + j)).set(cj[j]);
    c.i32(0).v128Load64Splat(PACKED + 8 * (2 * m + j)).set(h[j]);
  }
  c.i32(0).f64Load(SUMS).set(sumTop);
  c.i32(0).f64Load(SUMS + 8).set(sumLogS);
  for (const [locals, at] of sums) for (let j = 0; j < m; j++) c.i32(0).f64Load(SUMS + 8 * (at + j)).set(locals[j]);

  /** One row (lanes = 1: lane 0 of x; lane 1 repeats it and is left out) or two (lanes 0 and 1), added into the block's sums. */
  const row = (lanes: 1 | 2): void => {
    for (let j = 0; j < m; j++) {
      c.get(x).get(mu[j]).f64x2Sub().set(d[j]);
      c.get(cj[j]).get(h[j]).get(d[j]).f64x2Mul().get(d[j]).f64x2Mul().f64x2Sub().set(a[j]);
    }
    // top by f64x2.pmax, one instruction where V8 gives f64x2.max (NaN rules) eight: a Gaussian
    // pass 12.3 → 10.4 ms per 1M rows at K = 3. The two differ only where an a_j after the first
    // is NaN, which finite parameters rule out (the kernel checks them; a NaN x makes every a_j
    // NaN, and pmax keeps the first); a −0 top for a +0 changes no sum.
    c.get(a[0]);
    for (let j = 1; j < m; j++) c.get(a[j]).f64x2Pmax();
    c.set(top);
    // 1 in a row whose every a_j is −∞ (its density underflows for every component), else 0:
    // there v = −∞ − (−∞) is NaN, and the JavaScript kernel, which skips the exp of a_j = top,
    // takes every e_j as 1 (s = m).
    c.get(top);
    splat(-Infinity).f64x2Eq();
    splat(1).v128And().set(infiniteTop);
    for (let j = 0; j < m; j++) {
      if (m === 1) {
        splat(1).set(e[j]);
        continue;
      }
      // exp(v), v = a_j − top ≤ 0, as exp.ts's expNonPositive; 0 where v < −708 (the select
      // below: there, and for a NaN, the vector code's value is of no use, but its table index
      // stays in the table).
      c.get(a[j]).get(top).f64x2Sub().set(v);
      math.exp(v, false);
      // Where v < −708 (or is NaN): 0, or 1 in a row whose top is −∞ (see infiniteTop).
      c.get(infiniteTop).get(v);
      splat(-708).f64x2Ge().v128Bitselect().set(e[j]);
    }
    c.get(e[0]);
    for (let j = 1; j < m; j++) c.get(e[j]).f64x2Add();
    c.set(s);
    // q = w/s with weights (a row of weight 0 adds zeros: the same sums as skipping it), else 1/s.
    if (weighted) c.get(wv);
    else splat(1);
    c.get(s).f64x2Div().set(q);
    // Adds a vector into the block's sums; of one row (lanes = 1), its lane 0 alone (lane 1 is
    // of no row). With weights, lane 1 there has weight 0 and adds zeros.
    const add = (sums: number, vector: number): void => {
      c.get(sums).get(vector);
      if (lanes === 1 && !weighted) c.get(lane0).v128And();
      c.f64x2Add().set(sums);
    };
    for (let j = 0; j < m; j++) {
      c.get(e[j]).get(q).f64x2Mul().set(rj);
      c.get(rj).get(d[j]).f64x2Mul().set(rd);
      c.get(rd).get(d[j]).f64x2Mul().set(rdd);
      add(bn[j], rj);
      add(bs1[j], rd);
      add(bs2[j], rdd);
    }
    if (weighted) {
      c.get(wv).get(top).f64x2Mul().set(v);
      add(blockTop, v);
      const logs = [logEven, logOdd];
      for (let lane = 0; lane < lanes; lane++) c.get(logs[lane]).get(wv).f64x2ExtractLane(lane).get(s).f64x2ExtractLane(lane).call(0).f64Mul().f64Add().set(logs[lane]);
    } else {
      add(blockTop, top);
      c.get(product).get(s);
      if (lanes === 1) {
        splat(1).get(lane0).v128Bitselect();
      }
      c.f64x2Mul().set(product);
    }
  };

  c.i64x2Const(-1n).i64(0n).i64x2ReplaceLane(1).set(lane0);
  c.i32(0).set(b);
  c.block().loop();
  c.get(b).get(rows).i32GeS().brIf(1);
  c.get(rows).get(b).i32(block).i32Add().get(rows).get(b).i32(block).i32Add().i32LtS().select().set(stop);
  splat(0).set(blockTop);
  splat(1).set(product);
  c.f64(0).set(logEven).f64(0).set(logOdd);
  for (const locals of [bn, bs1, bs2]) for (let j = 0; j < m; j++) splat(0).set(locals[j]);
  rowPairs(c, { from: b, stop, i, x, w: weighted ? wv : null }, ROWS, WEIGHTS, row);
  // total += (even + odd), as the JavaScript kernel; Σ log s = log(Π_even s · Π_odd s).
  const lanesAdded = (vector: number): Code => c.get(vector).f64x2ExtractLane(0).get(vector).f64x2ExtractLane(1).f64Add();
  c.get(sumTop);
  lanesAdded(blockTop).f64Add().set(sumTop);
  c.get(sumLogS);
  if (weighted) c.get(logEven).get(logOdd).f64Add();
  else c.get(product).f64x2ExtractLane(0).get(product).f64x2ExtractLane(1).f64Mul().call(0);
  c.f64Add().set(sumLogS);
  const blockSums: [number[], number[]][] = [
    [n, bn],
    [s1, bs1],
    [s2, bs2],
  ];
  for (const [total, part] of blockSums) {
    for (let j = 0; j < m; j++) {
      c.get(total[j]);
      lanesAdded(part[j]).f64Add().set(total[j]);
    }
  }
  c.get(b).i32(block).i32Add().set(b).br(0);
  c.end().end();

  c.i32(0).get(sumTop).f64Store(SUMS);
  c.i32(0).get(sumLogS).f64Store(SUMS + 8);
  for (const [locals, at] of sums) for (let j = 0; j < m; j++) c.i32(0).get(locals[j]).f64Store(SUMS + 8 * (at + j));
  return c;
}

/** This thread's memory and views of it, made on first use. */
let memory: { packed: Float64Array; sums: Float64Array; rows: Float64Array; weights: Float64Array; instance: KernelMemory } | null = null;
/** The kernels built, by weighted (0, 1) and number of components. */
const kernels: Kernel[][] = [[], []];

function threadMemory(): NonNullable<typeof memory> {
  if (memory === null) {
    const instance = kernelMemory(PAGES);
    const f64 = instance.f64;
    writeMathTables(f64);
    memory = {
      instance,
      packed: f64.subarray(PACKED / 8, SUMS / 8),
      sums: f64.subarray(SUMS / 8, SUMS / 8 + 2 + 3 * MAX_COMPONENTS),
      rows: f64.subarray(ROWS / 8, ROWS / 8 + CAPACITY),
      weights: f64.subarray(WEIGHTS / 8, WEIGHTS / 8 + CAPACITY),
    };
  }
  return memory;
}

/**
 * The kernel for m live components in blocks of `block` rows (gaussian-kernel.ts's
 * blockSize), with or without weights, with the JavaScript kernel's signature and bits; null
 * where there is none (see the header), and then the caller uses the JavaScript kernel.
 * `javascript` gives that kernel, which a pass at parameters that are not finite runs instead.
 */
export function wasmKernel(m: number, block: number, weighted: boolean, javascript: () => Kernel): Kernel | null {
  if (!wasmSimd || !(m >= 1 && m <= MAX_COMPONENTS)) return null;
  const built = kernels[weighted ? 1 : 0][m];
  if (built !== undefined) return built;
  const mem = threadMemory();
  const pass = passFunction(passCode(m, block, weighted), mem.instance, PAGES);
  const piece = block * Math.floor(CAPACITY / block);
  const { packed: packedAt, sums, rows, weights } = mem;
  const length = 2 + 3 * m;
  const kernel: Kernel = (x, w, start, end, packed, out) => {
    if (!copyParameters(packed, packedAt, 3 * m)) {
      // A parameter that is ∞ or NaN: the JavaScript kernel, whose Math.max sees every NaN (see passCode's top).
      javascript()(x, w, start, end, packed, out);
      return;
    }
    sums.fill(0, 0, length);
    for (let p = start; p < end; p += piece) {
      const q = Math.min(end, p + piece);
      copyRows(x, w, p, q, rows, weights);
      pass(q - p);
    }
    for (let j = 0; j < length; j++) out[j] += sums[j];
  };
  kernels[weighted ? 1 : 0][m] = kernel;
  return kernel;
}
