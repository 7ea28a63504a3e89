/**
 * The families' fused pass (kernel.ts) in WebAssembly with 128-bit SIMD, two rows at a time,
 * generated for each family and number of live components from the family's WasmSpec, with
 * the JavaScript kernels' output (kernel.ts's `out`: Σ w top, Σ w log s, Σ w g/s, the row sums,
 * the statistics).
 *
 * Why: on a million rows (K = 3, one thread) the JavaScript kernels of the t, the Weibull, the
 * log-normal and the gamma took 2.1–3.9 times the Gaussian's WebAssembly pass (issue 12 asks
 * for 2), these 1.0–1.9 times (the Weibull 1.93, with its rows' log x from a column); see
 * families/README.md "Cost per pass".
 *
 * Per row pair: the family's density a_j for each component (with exp.ts's table log and exp
 * as SIMD code, wasm-math.ts; the log-normal's and the Weibull's rows are log x, read from a
 * column taken once per data array, log-column.ts), the exact maximum (f64x2.pmax: no branch here, so none of the
 * JavaScript kernels' rough maximum), exp(a_j − top) of every term, s, 1/s, and the
 * statistics, summed per block of rows in vectors (even rows in lane 0, odd rows in lane 1)
 * and added into the totals (even + odd) at the block's end. Without weights Σ log s of a
 * block is the log of Π s (kernel.ts); with weights Σ w log s takes the table log of s per row.
 *
 * A block with a row the vector code does not take (s < 1 or NaN: every density of the row −∞,
 * or one +∞; a log of zero, a subnormal or ∞; an exp beyond 709; a Poisson count beyond the
 * table of log x!) is left out of the totals and listed; the caller takes each listed block
 * again by the JavaScript loop kernel (kernel.ts), which handles every such row, and adds it
 * in. The order of the sums depends only on the rows and their blocks, so a pass over the same
 * chunk gives the same bits on any thread; they are not the JavaScript kernels' bits (another
 * maximum, another order of the sums): the tests compare the two to 1e-12 relative.
 */
import type { KernelSpec } from './kernel.js';
import { blockSize } from '../gaussian-kernel.js';
import { MATH_TABLE_BYTES, VectorMath, writeMathTables } from '../wasm-math.js';
import { Code, copyParameters, copyRows, I32, type KernelMemory, kernelMemory, passFunction, rowPairs, V128, wasmSimd } from '../wasm.js';
import { FACTORIAL_TABLE, LOG_FACTORIAL } from './special.js';

/** A vector value: a local holding it, or code that pushes it. */
export type Ex = number | ((c: Code) => void);

/** The row's values that a family's code may use: x, and log x if the spec asks for it. */
export interface RowValues {
  readonly x: number;
  readonly lx: number;
  /** log x! (Poisson), from a table. */
  readonly logFactorial: number;
}

/**
 * Vector expressions for a family's code: constants, arithmetic, and locals bound with `let`.
 * exp and log check their arguments and mark the row pair for the JavaScript kernel where the
 * vector code does not take them.
 */
export class Vectors {
  constructor(
    readonly c: Code,
    private readonly math: VectorMath,
    /** All ones in the lanes of rows the vector code takes so far in the block. */
    private readonly inside: number,
  ) {}

  emit(e: Ex): void {
    if (typeof e === 'number') this.c.get(e);
    else e(this.c);
  }
  k(value: number): Ex {
    return (c) => c.f64x2Const(value);
  }
  private binary(a: Ex, b: Ex, op: (c: Code) => Code): Ex {
    return (c) => {
      this.emit(a);
      this.emit(b);
      op(c);
    };
  }
  add(a: Ex, b: Ex): Ex {
    return this.binary(a, b, (c) => c.f64x2Add());
  }
  sub(a: Ex, b: Ex): Ex {
    return this.binary(a, b, (c) => c.f64x2Sub());
  }
  mul(a: Ex, b: Ex): Ex {
    return this.binary(a, b, (c) => c.f64x2Mul());
  }
  div(a: Ex, b: Ex): Ex {
    return this.binary(a, b, (c) => c.f64x2Div());
  }
  /** max(a, b) per lane for numbers (f64x2.pmax: b where a < b, else a). */
  max(a: Ex, b: Ex): Ex {
    return this.binary(a, b, (c) => c.f64x2Pmax());
  }
  abs(a: Ex): Ex {
    return (c) => {
      this.emit(a);
      c.f64x2Abs();
    };
  }
  sqrt(a: Ex): Ex {
    return (c) => {
      this.emit(a);
      c.f64x2Sqrt();
    };
  }
  /** Evaluates e now into a new local. */
  let(e: Ex): number {
    const local = this.c.local(V128);
    this.emit(e);
    this.c.set(local);
    return local;
  }
  /** Marks the row pair for the JavaScript kernel where the mask on the stack is false in some lane. */
  require(): void {
    this.c.get(this.inside).v128And().set(this.inside);
  }
  /**
   * exp(e) of either sign, as exp.ts's expSource: 0 below −708 (where Math.exp gives at most
   * 2^−1022: flushed, as the Gaussian's terms are); beyond 709 (∞) or NaN, marked.
   */
  exp(e: Ex): number {
    const c = this.c;
    const v = this.let(e);
    c.get(v).f64x2Const(709).f64x2Le();
    this.require();
    this.math.exp(v, true);
    c.get(v).f64x2Const(-708).f64x2Ge().v128And();
    return this.take();
  }
  /**
   * log(e) for normal positive arguments, as exp.ts's logPositiveSource; others marked. With
   * atLeastOne (the caller knows e ≥ 1 or NaN), only ∞ and NaN are checked for.
   */
  log(e: Ex, atLeastOne = false): number {
    const c = this.c;
    const v = this.let(e);
    c.get(v).f64x2Const(Number.MAX_VALUE).f64x2Le();
    if (!atLeastOne) c.get(v).f64x2Const(2 ** -1022).f64x2Ge().v128And();
    this.require();
    this.math.log(v);
    return this.take();
  }
  /** The value on top of the stack into a new local. */
  take(): number {
    const local = this.c.local(V128);
    this.c.set(local);
    return local;
  }
}

/**
 * A family's kernel as vector code (kernel.ts's KernelSpec has it as JavaScript): the same
 * parameters (p(name), packed as there), density and statistics, in the same order.
 */
export interface WasmSpec {
  /**
   * Whether the row's code uses log x (then rows with x ≤ 0 or subnormal go to the JavaScript
   * kernel); 'input' when it uses log x alone: then the pass reads log x_i from the column of
   * log x kept for the data (log-column.ts) instead of x_i and taking its log, and x is not
   * there (a NaN log, of an x the table log does not take, goes to the JavaScript kernel).
   */
  readonly logX?: boolean | 'input';
  /** Whether it uses log x! (a table up to FACTORIAL_TABLE; larger counts go to the JavaScript kernel). */
  readonly logFactorial?: boolean;
  /** The r-free row sums, as kernel.ts's rowSums (each times w). */
  rowSums?(b: Vectors, row: RowValues): Ex[];
  /** Declares a = log π + log f(x | θ) and any values the statistics use; returns them by name. */
  density(b: Vectors, row: RowValues, p: (name: string) => Ex): { readonly a: number } & Readonly<Record<string, number>>;
  /**
   * The statistics of the component in kernel.ts's order, from v = w r and density's values;
   * a row of v = 0 must give zeros (no 0 · ∞). Under statisticsLoop, from v, the carried
   * values and the row's log x and log x! (row has no x there).
   */
  statistics(b: Vectors, row: RowValues, p: (name: string) => Ex, v: number, values: Readonly<Record<string, number>>): Ex[];
  /**
   * Take the statistics in a loop of their own per component after each block's rows, from v
   * and density's values named in `carry`, kept per row in the memory (as kernel.ts's
   * statisticsLoop): in the row loop every component's sums are live at once, more than there
   * are vector registers, and each row reads and writes the spilled ones.
   */
  readonly statisticsLoop?: {
    readonly carry: readonly string[];
    /**
     * The row loop in phases too: each component's density in a loop of its own, then the
     * mixture (measured: the Weibull's pass 29.9 → 26.6 ms per 1M rows, the t's 21.4 → 22.0).
     */
    readonly phases?: boolean;
  };
}

const PAGE = 65_536;
/** The most components a kernel is generated for here. */
export const MAX_COMPONENTS = 32;
const MAX_PARAMS = 8;
const MAX_STATS = 12;
/** Byte offsets: the math tables, log n!, the packed parameters, the totals, the listed blocks, the rows, their weights. */
const AT_FACTORIAL = MATH_TABLE_BYTES;
const AT_PACKED = AT_FACTORIAL + 8 * (FACTORIAL_TABLE + 1);
const AT_OUT = AT_PACKED + 8 * MAX_PARAMS * MAX_COMPONENTS;
const OUT_CAPACITY = 4 + MAX_STATS * MAX_COMPONENTS;
/** The count of listed blocks at AT_LISTED − 4, the blocks' first rows from AT_LISTED. */
const AT_LISTED = AT_OUT + 8 * OUT_CAPACITY + 8;
const ROWS = PAGE;
const CAPACITY = 1 << 16;
const LISTED_CAPACITY = CAPACITY / blockSize(MAX_COMPONENTS) + 2;
const WEIGHTS = ROWS + 8 * CAPACITY;
/**
 * Values kept per row of a block under statisticsLoop: per component v, a and the carried
 * values (up to MAX_KEPT), then the rows' log x and log x!, each in a row of block + 2 slots.
 */
const KEPT = WEIGHTS + 8 * CAPACITY;
const MAX_KEPT = 5;
const keptRows = (m: number): number => blockSize(m) + 2;
const KEPT_BYTES = 8 * MAX_KEPT * Math.max(...Array.from({ length: MAX_COMPONENTS }, (_, j) => (j + 1) * keptRows(j + 1)));
const AT_ROW_VALUES = KEPT + KEPT_BYTES;
const PAGES = Math.ceil((AT_ROW_VALUES + 16 * keptRows(1)) / PAGE);
if (AT_LISTED + 4 * LISTED_CAPACITY > ROWS) throw new Error('internal error: kernel-wasm.ts memory layout');

function passCode(spec: KernelSpec, wasm: WasmSpec, m: number, block: number, weighted: boolean): Code {
  const c = new Code([I32]);
  const rows = 0;
  const [b, stop, i, listed] = [c.local(I32), c.local(I32), c.local(I32), c.local(I32)];
  const math = new VectorMath(c);
  const inside = c.local(V128);
  const vectors = new Vectors(c, math, inside);
  const S = spec.statCount;
  const R = spec.rowSums.length;
  const splat = (value: number): Code => c.f64x2Const(value);
  // Parameters loaded where they are used (one instruction, v128.load64_splat): held in locals
  // for the whole pass they took registers that V8 then spilled, and read back from the stack.
  const paramOf = (j: number) => (name: string): Ex => {
    const p = spec.params.indexOf(name);
    if (p < 0) throw new Error(`internal error: no parameter ${name} in ${spec.name}`);
    return (cc) => cc.i32(0).v128Load64Splat(AT_PACKED + 8 * (p * m + j));
  };
  // The block's sums: Σ w top, Π s (or Σ w log s), Σ w g/s, the row sums, the statistics.
  const [blockTop, blockLog, blockG] = [c.local(V128), c.local(V128), c.local(V128)];
  const blockRows = Array.from({ length: R }, () => c.local(V128));
  const blockStats = Array.from({ length: S }, () => Array.from({ length: m }, () => c.local(V128)));
  const [x, wv, lane0] = [c.local(V128), c.local(V128), c.local(V128)];
  const deferred = wasm.statisticsLoop;
  if (deferred !== undefined && deferred.carry.length + 2 > MAX_KEPT) throw new Error(`internal error: ${spec.name} keeps too many values`);
  /** The byte offset of kept value k (0: v, 1: a, then the carried values) of component j (row 0 of the block). */
  const keptAt = (k: number, j: number): number => KEPT + 8 * (k * m + j) * keptRows(m);
  /** Adds component j's statistics into its block sums. */
  const statistics = (j: number, values: RowValues, v: number, carried: Readonly<Record<string, number>>, add: (sum: number, value: Ex) => void): void => {
    const terms = wasm.statistics(vectors, values, paramOf(j), v, carried);
    if (terms.length !== S) throw new Error(`internal error: ${spec.name} has ${S} statistics, its vector code ${terms.length}`);
    terms.forEach((term, t) => add(blockStats[t][j], term));
  };

  const r = c.local(I32);
  /** A loop over the block's rows (wasm.ts's rowPairs: i from b, r = i − b), with or without the weights. */
  const pairs = (body: (lanes: 1 | 2) => void, withWeights = weighted): void => rowPairs(c, { from: b, stop, i, offset: r, x, w: withWeights ? wv : null }, ROWS, WEIGHTS, body);
  /** The values kept for the row pair r at `at` (a scratch row of the block), and storing them there. */
  const load = (at: number): Ex => (cc) => cc.get(r).i32(3).i32Shl().v128Load(at);
  const store = (at: number, value: Ex): void => {
    c.get(r).i32(3).i32Shl();
    vectors.emit(value);
    c.v128Store(at);
  };

  const logInput = wasm.logX === 'input';
  if (logInput && wasm.logFactorial === true) throw new Error(`internal error: ${spec.name} reads log x and needs x`);
  /** The row pair's log x as read (the rows are log x): checked not NaN where `check`. */
  const inputRow = (check: boolean): RowValues => {
    if (check) {
      c.get(x).get(x).f64x2Eq();
      vectors.require();
    }
    return { x: -1, lx: x, logFactorial: -1 };
  };
  /** The row's values (log x, log x!) from x. */
  const rowValues = (): RowValues => {
    if (logInput) return inputRow(true);
    const lx = wasm.logX === true ? vectors.log(x) : -1;
    let logFactorial = -1;
    if (wasm.logFactorial === true) {
      // log x! from the table at AT_FACTORIAL for 0 ≤ x ≤ FACTORIAL_TABLE (the domain check
      // has made x a non-negative integer); larger counts marked (the JavaScript kernel's lgamma).
      c.get(x);
      splat(FACTORIAL_TABLE).f64x2Le();
      vectors.require();
      const index = c.local(V128);
      c.get(x);
      splat(0).f64x2Pmax();
      splat(FACTORIAL_TABLE).f64x2Pmin().i32x4TruncSatF64x2SZero().set(index);
      c.get(index).i32x4ExtractLane(1).i32(3).i32Shl();
      c.get(index).i32x4ExtractLane(0).i32(3).i32Shl().v128Load64Zero(AT_FACTORIAL).v128Load64Lane(AT_FACTORIAL, 1);
      logFactorial = vectors.take();
    }
    return { x, lx, logFactorial };
  };

  /**
   * The mixture's part of a row pair from the components' a_j: top, e_j, s, 1/s, Σ top, Σ log s,
   * Σ g/s, the row sums, and each component's v = w r into `withV(j, v, add)`.
   */
  const mixture = (lanes: 1 | 2, values: RowValues, a: readonly number[], withV: (j: number, v: number, add: (sum: number, value: Ex) => void) => void): void => {
    // top = max_j a_j by f64x2.pmax (one instruction, where V8 gives f64x2.max's NaN rules
    // eight), which would pass over a NaN after the first. No a_j is NaN here: with finite
    // parameters (wasmPass checks them) the families' log-densities of rows that pass their
    // checks are finite or −∞; a row whose every a_j is −∞ has top = −∞ and s = 0, marked below.
    const top = c.local(V128);
    c.get(a[0]);
    for (let j = 1; j < m; j++) c.get(a[j]).f64x2Pmax();
    c.set(top);
    // e_j = exp(a_j − top) (0 where a_j − top < −708 or is NaN), g_j = e_j (a_j − top) likewise.
    const e: number[] = [];
    const g: number[] = [];
    for (let j = 0; j < m; j++) {
      const gap = vectors.let(vectors.sub(a[j], top));
      const below = c.local(V128);
      c.get(gap);
      splat(-708).f64x2Ge().set(below);
      math.exp(gap, false);
      c.get(below).v128And();
      e.push(vectors.take());
      g.push(vectors.let((cc) => cc.get(e[j]).get(gap).f64x2Mul().get(below).v128And()));
    }
    const s = c.local(V128);
    c.get(e[0]);
    for (let j = 1; j < m; j++) c.get(e[j]).f64x2Add();
    c.set(s);
    // The largest term is exp(0) = 1 exactly and none exceeds 1, so s ∈ [1, m] (Π s over a block
    // stays below overflow, see blockSize); s < 1 or NaN only where top is not finite.
    c.get(s);
    splat(1).f64x2Ge();
    vectors.require();
    const q = vectors.let(vectors.div(weighted ? wv : vectors.k(1), s));
    // Adds a vector into a block sum; of one row (lanes = 1, lane 1 repeating it), lane 0 alone.
    // With weights lane 1 has weight 0 and adds zeros.
    const add = (sum: number, value: Ex): void => {
      c.get(sum);
      vectors.emit(value);
      if (lanes === 1 && !weighted) c.get(lane0).v128And();
      c.f64x2Add().set(sum);
    };
    for (let j = 0; j < m; j++) withV(j, vectors.let(vectors.mul(e[j], q)), add);
    add(blockTop, weighted ? vectors.mul(wv, top) : top);
    if (weighted) {
      const logS = vectors.log(s);
      add(blockLog, vectors.mul(wv, logS));
    } else {
      c.get(blockLog).get(s);
      if (lanes === 1) splat(1).get(lane0).v128Bitselect();
      c.f64x2Mul().set(blockLog);
    }
    c.get(g[0]);
    for (let j = 1; j < m; j++) c.get(g[j]).f64x2Add();
    c.get(q).f64x2Mul();
    add(blockG, vectors.take());
    const sums = wasm.rowSums?.(vectors, values) ?? [];
    sums.forEach((term, k) => add(blockRows[k], weighted ? vectors.mul(wv, term) : term));
  };

  c.i64x2Const(-1n).i64(0n).i64x2ReplaceLane(1).set(lane0);
  c.i32(0).set(listed);
  c.i32(0).set(b);
  c.block().loop();
  c.get(b).get(rows).i32GeS().brIf(1);
  c.get(rows).get(b).i32(block).i32Add().get(rows).get(b).i32(block).i32Add().i32LtS().select().set(stop);
  for (const sum of [blockTop, blockG, ...blockRows, ...blockStats.flat()]) splat(0).set(sum);
  c.i64x2Const(-1n).set(inside);
  splat(weighted ? 0 : 1).set(blockLog);
  // The rows' values kept for later loops over the block: log x (taken, or under 'input' read,
  // for the statistics loop: as loaded for the row pair, so that a lone last row has it in both
  // lanes, where the rows' memory holds the next row or an earlier pass's), log x!.
  const rowKept = [wasm.logX === true || (logInput && deferred !== undefined), wasm.logFactorial === true];
  const storeRow = (values: RowValues): void => {
    if (rowKept[0]) store(AT_ROW_VALUES, values.lx);
    if (rowKept[1]) store(AT_ROW_VALUES + 8 * keptRows(m), values.logFactorial);
  };
  /** The row values kept for the row pair r of the block. */
  const keptRow = (): RowValues => ({
    x,
    lx: rowKept[0] ? vectors.let(load(AT_ROW_VALUES)) : -1,
    logFactorial: rowKept[1] ? vectors.let(load(AT_ROW_VALUES + 8 * keptRows(m))) : -1,
  });
  /** Keeps component j's v (0 in lane 1 of a lone row) for the statistics loop. */
  const keepV = (lanes: 1 | 2, j: number, v: number): void => store(keptAt(0, j), lanes === 1 && !weighted ? (cc) => cc.get(v).get(lane0).v128And() : v);
  /** Keeps component j's carried values for the statistics loop. */
  const keepCarried = (j: number, density: Readonly<Record<string, number>>): void => deferred?.carry.forEach((name, k) => store(keptAt(2 + k, j), density[name]));
  if (deferred === undefined || deferred.phases !== true) {
    // One loop over the block's rows: densities, mixture, and the statistics or what their loop needs.
    pairs((lanes) => {
      const values = rowValues();
      if (deferred !== undefined) storeRow(values);
      const densities = Array.from({ length: m }, (_, j) => wasm.density(vectors, values, paramOf(j)));
      if (deferred !== undefined) densities.forEach((density, j) => keepCarried(j, density));
      mixture(
        lanes,
        values,
        densities.map((d) => d.a),
        (j, v, add) => (deferred === undefined ? statistics(j, values, v, densities[j], add) : keepV(lanes, j, v)),
      );
    });
  } else {
    // In phases, each a loop over the block's rows with few values live (in one loop they
    // outnumbered the vector registers, and V8 spilled them to the stack and read them back
    // on every row): the rows' log x and log x!; each component's density, keeping a_j and the
    // carried values; the mixture, keeping v. (The Weibull's pass: 29.9 → 26.6 ms per 1M rows;
    // the first two loops as one, 25.4 → 26.5.)
    if (!logInput && rowKept.some((k) => k)) pairs(() => storeRow(rowValues()), false);
    for (let j = 0; j < m; j++) {
      pairs(() => {
        // Rows of log x: read as the loop loads them, checked and kept in the first component's loop.
        const row = logInput ? inputRow(j === 0) : keptRow();
        if (logInput && j === 0) storeRow(row);
        const density = wasm.density(vectors, row, paramOf(j));
        store(keptAt(1, j), density.a);
        keepCarried(j, density);
      }, false);
    }
    pairs((lanes) => {
      const a = Array.from({ length: m }, (_, j) => vectors.let(load(keptAt(1, j))));
      mixture(lanes, logInput ? inputRow(false) : keptRow(), a, (j, v) => keepV(lanes, j, v));
    });
  }
  if (deferred !== undefined) {
    // The statistics loop of each component over the block's row pairs (a lone last row's pair has v = 0 in lane 1).
    for (let j = 0; j < m; j++) {
      c.i32(0).set(r);
      c.block().loop();
      c.get(r).get(stop).get(b).i32Sub().i32GeS().brIf(1);
      const v = vectors.let(load(keptAt(0, j)));
      const carried = Object.fromEntries(deferred.carry.map((name, k) => [name, vectors.let(load(keptAt(2 + k, j)))]));
      statistics(j, { ...keptRow(), x: -1 }, v, carried, (sum, value) => {
        c.get(sum);
        vectors.emit(value);
        c.f64x2Add().set(sum);
      });
      c.get(r).i32(2).i32Add().set(r).br(0);
      c.end().end();
    }
  }
  // A block with a row the vector code does not take: listed for the JavaScript kernel; else its sums into the totals.
  c.get(inside).i64x2AllTrue().i32Eqz().if();
  c.get(listed).i32(2).i32Shl().get(b).i32Store(AT_LISTED);
  c.get(listed).i32(1).i32Add().set(listed);
  c.else();
  const total = (slot: number, value: (cc: Code) => void): void => {
    c.i32(0).i32(0).f64Load(AT_OUT + 8 * slot);
    value(c);
    c.f64Add().f64Store(AT_OUT + 8 * slot);
  };
  const lanesAdded = (vector: number) => (cc: Code): Code => cc.get(vector).f64x2ExtractLane(0).get(vector).f64x2ExtractLane(1).f64Add();
  total(0, lanesAdded(blockTop));
  total(1, weighted ? lanesAdded(blockLog) : (cc) => cc.get(blockLog).f64x2ExtractLane(0).get(blockLog).f64x2ExtractLane(1).f64Mul().call(0));
  total(2, lanesAdded(blockG));
  blockRows.forEach((sum, r) => total(3 + r, lanesAdded(sum)));
  blockStats.forEach((sums, t) => sums.forEach((sum, j) => total(3 + R + t * m + j, lanesAdded(sum))));
  c.end();
  c.get(b).i32(block).i32Add().set(b).br(0);
  c.end().end();
  c.i32(0).get(listed).i32Store(AT_LISTED - 4);
  return c;
}

/** kernel.ts's JavaScript pass (generated, or the loop kernel when useGenerated is false), which adds into out. */
export type JavascriptPass = (spec: KernelSpec, m: number, x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array, useGenerated: boolean) => void;

/**
 * Adds a pass over rows [start, end) into `out`, reading `rows`: x, or for a spec whose logX is
 * 'input' the column of log x (log-column.ts); the blocks it leaves (and a pass at parameters
 * that are not finite) go to `javascript`'s loop kernel, over x. kernel.ts passes its own
 * function, so that a pass makes no closure.
 */
export type Pass = (x: Float64Array, rows: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array, javascript: JavascriptPass) => void;

/** This thread's memory and views of it, made on first use. */
let memory: { instance: KernelMemory; packed: Float64Array; out: Float64Array; listed: Int32Array; rows: Float64Array; weights: Float64Array } | null = null;
/** The passes built, by spec, then weighted (0, 1) and m: looked up without a key made per pass (a search makes thousands). */
const built = new Map<KernelSpec, Pass[][]>();

function threadMemory(): NonNullable<typeof memory> {
  if (memory === null) {
    const instance = kernelMemory(PAGES);
    const f64 = instance.f64;
    writeMathTables(f64);
    f64.set(LOG_FACTORIAL, AT_FACTORIAL / 8);
    memory = {
      instance,
      packed: f64.subarray(AT_PACKED / 8, AT_PACKED / 8 + MAX_PARAMS * MAX_COMPONENTS),
      out: f64.subarray(AT_OUT / 8, AT_OUT / 8 + OUT_CAPACITY),
      listed: new Int32Array(instance.buffer, AT_LISTED - 4, LISTED_CAPACITY + 1),
      rows: f64.subarray(ROWS / 8, ROWS / 8 + CAPACITY),
      weights: f64.subarray(WEIGHTS / 8, WEIGHTS / 8 + CAPACITY),
    };
  }
  return memory;
}

/**
 * The WebAssembly pass of `spec` for m live components, or null where there is none (no vector
 * code for the family, no SIMD, too many components or parameters, EM_FIT_WASM=0: see wasm.ts's wasmSimd): then
 * kernel.ts runs its JavaScript kernels. The pass adds into `out` (zeroed by the caller).
 */
export function wasmPass(spec: KernelSpec, m: number, weighted: boolean): Pass | null {
  const wasm = spec.wasm;
  if (!wasmSimd || wasm === undefined || !(m >= 1 && m <= MAX_COMPONENTS) || spec.params.length > MAX_PARAMS || spec.statCount > MAX_STATS || spec.rowSums.length > 1) return null;
  let bySpec = built.get(spec);
  if (bySpec === undefined) {
    bySpec = [[], []];
    built.set(spec, bySpec);
  }
  const cached = bySpec[weighted ? 1 : 0][m];
  if (cached !== undefined) return cached;
  const block = blockSize(m);
  const mem = threadMemory();
  const run = passFunction(passCode(spec, wasm, m, block, weighted), mem.instance, PAGES);
  const piece = block * Math.floor(CAPACITY / block);
  const length = 3 + spec.rowSums.length + spec.statCount * m;
  const { packed: packedAt, out: totals, listed, rows, weights } = mem;
  const pass: Pass = (x, input, w, start, end, packed, out, javascript) => {
    if (!copyParameters(packed, packedAt, spec.params.length * m)) {
      // A parameter that is ∞ or NaN (never from the families' M-steps): the JavaScript kernel.
      javascript(spec, m, x, w, start, end, packed, out, false);
      return;
    }
    totals.fill(0, 0, length);
    for (let p = start; p < end; p += piece) {
      const q = Math.min(end, p + piece);
      copyRows(input, w, p, q, rows, weights);
      run(q - p);
      for (let l = 1; l <= listed[0]; l++) javascript(spec, m, x, w, p + listed[l], Math.min(q, p + listed[l] + block), packed, out, false);
    }
    for (let k = 0; k < length; k++) out[k] += totals[k];
  };
  bySpec[weighted ? 1 : 0][m] = pass;
  return pass;
}
