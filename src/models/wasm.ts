/**
 * A small WebAssembly assembler: enough to write one function with numeric locals, loops and
 * 128-bit SIMD, that imports a memory and some functions. Used to generate the Gaussian
 * E-step kernel (gaussian-wasm.ts) at run time for each number of components, as the
 * JavaScript kernel is generated from source text (gaussian-kernel.ts), without a compiler
 * or a .wasm file in the package.
 *
 * Encodings from the WebAssembly core specification 2.0 (binary format, §5) and its SIMD
 * instructions (§5.4.8, the 0xFD prefix); each emitting method names its instruction.
 */

/** What is used here of the WebAssembly JavaScript API (the project's TypeScript libraries have no DOM types). */
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: Uint8Array): boolean;
}

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof I64 | typeof F64 | typeof V128;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
function unsigned(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
}

/** Signed LEB128 of an integer. */
function signed(value: bigint, out: number[]): void {
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

const utf8 = (text: string, out: number[]): void => {
  const bytes = new TextEncoder().encode(text);
  unsigned(bytes.length, out);
  out.push(...bytes);
};

/** The body of one function, written instruction by instruction in stack order. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValueType[] = [];

  /** @param params the function's parameters, which are its first locals. */
  constructor(private readonly params: readonly ValueType[]) {}

  /** Declares a local of type `type`; returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** The locals' declarations (§5.5.13: runs of one type). */
  localDeclarations(): number[] {
    const runs: [number, ValueType][] = [];
    for (const type of this.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    const out: number[] = [];
    unsigned(runs.length, out);
    for (const [count, type] of runs) {
      unsigned(count, out);
      out.push(type);
    }
    return out;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  get(local: number): this {
    this.op(0x20);
    unsigned(local, this.bytes);
    return this;
  }

  set(local: number): this {
    this.op(0x21);
    unsigned(local, this.bytes);
    return this;
  }

  i32(value: number): this {
    this.op(0x41);
    signed(BigInt(value), this.bytes);
    return this;
  }

  i64(value: bigint): this {
    this.op(0x42);
    signed(value, this.bytes);
    return this;
  }

  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.op(0x44, ...bytes);
  }

  /** block, loop (empty block type), end, br, br_if: labels are relative depths. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, depth);
  }
  brIf(depth: number): this {
    return this.op(0x0d, depth);
  }
  call(index: number): this {
    return this.op(0x10, index);
  }
  drop(): this {
    return this.op(0x1a);
  }
  select(): this {
    return this.op(0x1b);
  }

  /** Scalar instructions without immediates, by name. */
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32WrapI64(): this {
    return this.op(0xa7);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Eqz(): this {
    return this.op(0x45);
  }

  /** i32.store with alignment 2^2 and a constant offset. */
  i32Store(offset: number): this {
    return this.memory(0x36, 2, offset);
  }

  /** f64.load and f64.store with alignment 2^3 and a constant offset (§5.4.6). */
  f64Load(offset: number): this {
    return this.memory(0x2b, 3, offset);
  }
  f64Store(offset: number): this {
    return this.memory(0x39, 3, offset);
  }

  private memory(opcode: number, align: number, offset: number): this {
    this.op(opcode, align);
    unsigned(offset, this.bytes);
    return this;
  }

  /** A SIMD instruction: the 0xFD prefix, its opcode, then any immediates (§5.4.8). */
  private simd(opcode: number, ...immediates: number[]): this {
    this.op(0xfd);
    unsigned(opcode, this.bytes);
    return this.op(...immediates);
  }

  private simdMemory(opcode: number, align: number, offset: number, ...lane: number[]): this {
    this.simd(opcode, align);
    unsigned(offset, this.bytes);
    return this.op(...lane);
  }

  v128Load(offset: number): this {
    return this.simdMemory(0x00, 4, offset);
  }
  /** v128.store: [address, vector] → (). */
  v128Store(offset: number): this {
    return this.simdMemory(0x0b, 4, offset);
  }
  v128Load64Splat(offset: number): this {
    return this.simdMemory(0x0a, 3, offset);
  }
  v128Load64Zero(offset: number): this {
    return this.simdMemory(0x5d, 3, offset);
  }
  /** v128.load64_lane: [address, vector] → the vector with lane `lane` loaded from memory. */
  v128Load64Lane(offset: number, lane: number): this {
    return this.simdMemory(0x57, 3, offset, lane);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  v128Not(): this {
    return this.simd(0x4d);
  }
  /** i64x2.all_true: [vector] → i32 1 if both lanes are non-zero. */
  i64x2AllTrue(): this {
    return this.simd(0xc3);
  }
  /** i8x16.shuffle: bytes of [a, b] (0–15 of a, 16–31 of b) picked by the 16 immediate lane indices. */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  /** v128.bitselect: [a, b, mask] → (a & mask) | (b & ~mask). */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  i64x2ReplaceLane(lane: number): this {
    return this.simd(0x1e, lane);
  }
  /**
   * v128.const with both f64 lanes `value`. (V8 materialises a vector constant at each use, by
   * two or three instructions; measured no better: a local set to one, which it folds back
   * into the constant, and loads from a pool of constants in the memory, which made the
   * Gaussian's pass 12.7 → 15.4 ms per 1M rows.)
   */
  f64x2Const(value: number): this {
    return this.simd(0x0c, ...new Uint8Array(new Float64Array([value, value]).buffer));
  }
  /** v128.const with both i64 lanes `value`. */
  i64x2Const(value: bigint): this {
    return this.simd(0x0c, ...new Uint8Array(new BigInt64Array([value, value]).buffer));
  }
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21, lane);
  }
  i64x2ExtractLane(lane: number): this {
    return this.simd(0x1d, lane);
  }
  f64x2Ge(): this {
    return this.simd(0x4c);
  }
  f64x2Eq(): this {
    return this.simd(0x47);
  }
  f64x2Le(): this {
    return this.simd(0x4b);
  }
  f64x2Abs(): this {
    return this.simd(0xec);
  }
  f64x2Sqrt(): this {
    return this.simd(0xef);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  f64x2Div(): this {
    return this.simd(0xf3);
  }
  /** f64x2.pmin: per lane, b < a ? b : a (§4.3.2, fpmin). */
  f64x2Pmin(): this {
    return this.simd(0xf6);
  }
  /** f64x2.pmax: per lane, a < b ? b : a (§4.3.2, fpmax). */
  f64x2Pmax(): this {
    return this.simd(0xf7);
  }
  i64x2Add(): this {
    return this.simd(0xce);
  }
  i64x2Sub(): this {
    return this.simd(0xd1);
  }
  i64x2Shl(): this {
    return this.simd(0xcb);
  }
  i64x2ShrU(): this {
    return this.simd(0xcd);
  }
  /** i32x4.trunc_sat_f64x2_s_zero: the two lanes truncated to i32 lanes 0 and 1, lanes 2 and 3 zero. */
  i32x4TruncSatF64x2SZero(): this {
    return this.simd(0xfc);
  }
  i32x4ExtractLane(lane: number): this {
    return this.simd(0x1b, lane);
  }
}

/** The i32 locals and vector locals of a loop over a block's rows (see rowPairs). */
export interface RowLoop {
  /** The block's first row and the row after its last (i32). */
  readonly from: number;
  readonly stop: number;
  /** The row (i32), and if given the row's offset from `from` (i32). */
  readonly i: number;
  readonly offset?: number;
  /** The rows' values and weights (v128); weights null for a loop without them. */
  readonly x: number;
  readonly w: number | null;
}

/**
 * Emits a loop over rows [from, stop) two at a time, x (and w) loaded from the doubles at byte
 * offsets `rows` (and `weights`) into the locals, then `body(2)`; after it the lone last row
 * of an odd count, x in both lanes (lane 1 a valid row, whose results the body leaves out) and
 * weight 0 in lane 1, then `body(1)`.
 */
export function rowPairs(c: Code, loop: RowLoop, rows: number, weights: number, body: (lanes: 1 | 2) => void): void {
  const { from, stop, i, offset, x, w } = loop;
  c.get(from).set(i);
  if (offset !== undefined) c.i32(0).set(offset);
  c.block().loop();
  c.get(i).i32(1).i32Add().get(stop).i32GeS().brIf(1);
  c.get(i).i32(3).i32Shl().v128Load(rows).set(x);
  if (w !== null) c.get(i).i32(3).i32Shl().v128Load(weights).set(w);
  body(2);
  c.get(i).i32(2).i32Add().set(i);
  if (offset !== undefined) c.get(offset).i32(2).i32Add().set(offset);
  c.br(0);
  c.end().end();
  c.get(i).get(stop).i32LtS().if();
  c.get(i).i32(3).i32Shl().v128Load64Splat(rows).set(x);
  if (w !== null) c.get(i).i32(3).i32Shl().v128Load64Zero(weights).set(w);
  body(1);
  c.end();
}

/** A function type: parameters and results. */
export interface Signature {
  params: readonly ValueType[];
  results: readonly ValueType[];
}

/**
 * A module of one exported function `name` with `code`, importing a memory env.memory of at
 * least `pages` pages and the functions env.<import name> in order (function indices 0, 1, …).
 */
export function moduleBytes(name: string, signature: Signature, code: Code, imports: readonly [string, Signature][], pages: number): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]): void => {
    out.push(id);
    unsigned(body.length, out);
    out.push(...body);
  };
  const type = (s: Signature, into: number[]): void => {
    into.push(0x60);
    unsigned(s.params.length, into);
    into.push(...s.params);
    unsigned(s.results.length, into);
    into.push(...s.results);
  };
  const types: number[] = [];
  unsigned(imports.length + 1, types);
  for (const [, s] of imports) type(s, types);
  type(signature, types);
  section(1, types);

  const importSection: number[] = [];
  unsigned(imports.length + 1, importSection);
  utf8('env', importSection);
  utf8('memory', importSection);
  importSection.push(0x02, 0x00);
  unsigned(pages, importSection);
  imports.forEach(([field], i) => {
    utf8('env', importSection);
    utf8(field, importSection);
    importSection.push(0x00);
    unsigned(i, importSection);
  });
  section(2, importSection);

  const functions: number[] = [];
  unsigned(1, functions);
  unsigned(imports.length, functions);
  section(3, functions);

  const exports: number[] = [];
  unsigned(1, exports);
  utf8(name, exports);
  exports.push(0x00);
  unsigned(imports.length, exports);
  section(7, exports);

  const body = [...code.localDeclarations(), ...code.bytes, 0x0b];
  const codeSection: number[] = [];
  unsigned(1, codeSection);
  unsigned(body.length, codeSection);
  codeSection.push(...body);
  section(10, codeSection);
  return Uint8Array.from(out);
}

/** The kernels' function: pass(rows), with Math.log imported as env.log (function 0). */
const PASS: Signature = { params: [I32], results: [] };
const LOG_IMPORT: [string, Signature] = ['log', { params: [F64], results: [F64] }];

/**
 * Whether the kernels may use WebAssembly with SIMD: there is WebAssembly, it validates a
 * module with a vector instruction, and EM_FIT_WASM is not 0 in the environment (read once per
 * thread: worker threads inherit the environment, so every thread runs the same kernels).
 */
export const wasmSimd: boolean = (() => {
  if (typeof WebAssembly !== 'object' || process.env.EM_FIT_WASM === '0') return false;
  const probe = new Code([I32]);
  probe.f64x2Const(1).f64x2ExtractLane(0).drop();
  try {
    return WebAssembly.validate(moduleBytes('pass', PASS, probe, [LOG_IMPORT], 1));
  } catch {
    return false;
  }
})();

/** A kernel's memory of `pages` pages (fixed), made once per thread. */
export interface KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  readonly f64: Float64Array;
}

export function kernelMemory(pages: number): KernelMemory {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return { memory, buffer: memory.buffer, f64: new Float64Array(memory.buffer) };
}

/** The function `pass(rows)` of `code`, over `memory` (of `pages` pages). */
export function passFunction(code: Code, memory: KernelMemory, pages: number): (rows: number) => void {
  const bytes = moduleBytes('pass', PASS, code, [LOG_IMPORT], pages);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: memory.memory, log: Math.log } });
  return instance.exports.pass as (rows: number) => void;
}

/** Rows below which a piece is copied by a loop rather than by TypedArray.set of a subarray. */
const SMALL_COPY = 4096;

/**
 * Copies a pass's parameters into the kernel's memory (`at`); false if one is not finite (the
 * kernels then leave the pass to their JavaScript, see gaussian-wasm.ts and kernel-wasm.ts).
 */
export function copyParameters(packed: Float64Array, at: Float64Array, length: number): boolean {
  let finite = true;
  for (let j = 0; j < length; j++) finite &&= Number.isFinite((at[j] = packed[j]));
  return finite;
}

/** Copies rows [p, q) of x (and w) into the kernel's memory at rows (and weights) from 0. */
export function copyRows(x: Float64Array, w: Float64Array | null, p: number, q: number, rows: Float64Array, weights: Float64Array): void {
  if (q - p < SMALL_COPY) {
    // A few rows (a model search's passes over small data, hundreds a file): copied by a
    // loop, where subarray would make an object per pass.
    for (let i = p; i < q; i++) rows[i - p] = x[i];
    if (w !== null) for (let i = p; i < q; i++) weights[i - p] = w[i];
  } else {
    rows.set(x.subarray(p, q));
    if (w !== null) weights.set(w.subarray(p, q));
  }
}
