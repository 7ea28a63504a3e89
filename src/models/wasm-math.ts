/**
 * exp.ts's table exp and table log as WebAssembly SIMD code, for two doubles at a time: the
 * same operations as the JavaScript sources there, so the same bits for every argument they
 * admit (test/models/wasm-math.test.ts compares them). Used by the Gaussian's kernel
 * (gaussian-wasm.ts) and the families' (families/kernel-wasm.ts).
 *
 * The tables live in the kernel's memory from byte 0 (writeMathTables): 2^(j/256) for the exp,
 * 1/F and log F for the log. What exp.ts reads from other tables is built from bits here:
 * 2^m from its exponent field, the log's F = 1 + j/256 from its mantissa field, e·log 2 from e
 * converted exactly (the 1.5·2^52 trick in reverse), the mantissa of v by masking its bits.
 */
import { INV_F, LOG_F, LOG_POINTS, TANG, TWO_J } from './exp.js';
import { Code, I32, V128 } from './wasm.js';

/** Byte offsets of the tables in the memory, and the bytes they take: 2^(j/256), then pairs (1/F_j, log F_j). */
const AT_TWO_J = 0;
const AT_LOG_PAIRS = AT_TWO_J + 8 * TANG.STEPS;
export const MATH_TABLE_BYTES = AT_LOG_PAIRS + 16 * (LOG_POINTS.STEPS + 1);

/** Writes the tables into a memory's doubles (from byte 0). */
export function writeMathTables(f64: Float64Array): void {
  f64.set(TWO_J, AT_TWO_J / 8);
  for (let j = 0; j <= LOG_POINTS.STEPS; j++) {
    f64[AT_LOG_PAIRS / 8 + 2 * j] = INV_F[j];
    f64[AT_LOG_PAIRS / 8 + 2 * j + 1] = LOG_F[j];
  }
}

/** The bits of a double, as a signed 64-bit integer. */
const bitsOf = (value: number): bigint => new BigInt64Array(new Float64Array([value]).buffer)[0];
const ROUND_BITS = bitsOf(TANG.ROUND);
const ONE_BITS = bitsOf(1);
const MANTISSA = (1n << 52n) - 1n;
/** i8x16.shuffle lanes: the low 8 bytes of a then of b, and the high 8 bytes of each. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_HALVES = LOW_HALVES.map((lane) => lane + 8);

/**
 * Emitters over one function's code: each takes vector locals and leaves its result on the
 * stack. Scratch locals are declared on first use and shared by every call.
 */
export class VectorMath {
  private scratch: { t: number; n: number; r: number; ni: number; tj: number; bits: number; j: number; m: number; f: number; address0: number; address1: number; r2: number } | null = null;

  constructor(private readonly c: Code) {}

  private locals(): NonNullable<VectorMath['scratch']> {
    if (this.scratch === null) {
      const c = this.c;
      this.scratch = {
        t: c.local(V128),
        n: c.local(V128),
        r: c.local(V128),
        ni: c.local(V128),
        tj: c.local(V128),
        bits: c.local(V128),
        j: c.local(V128),
        m: c.local(V128),
        f: c.local(V128),
        r2: c.local(V128),
        address0: c.local(I32),
        address1: c.local(I32),
      };
    }
    return this.scratch;
  }

  private splat(value: number): Code {
    return this.c.f64x2Const(value);
  }

  /**
   * exp(v) per lane, right for v in [−708, 709]: Tang's method as exp.ts's tangSource, 2^m from
   * its exponent bits (m ≥ −1022 for v ≥ −708), the polynomial by Horner's scheme
   * (expNonPositive's bits) or Estrin's (expSource's). Elsewhere (and for NaN) the value is of
   * no use, and the caller replaces it (a select, not arithmetic); the table index is masked,
   * so the load stays within the table whatever v is.
   */
  exp(v: number, estrin: boolean): void {
    const c = this.c;
    const { t, n, r, ni, tj, r2 } = this.locals();
    c.get(v);
    this.splat(TANG.INV_LN2).f64x2Mul();
    this.splat(TANG.ROUND).f64x2Add().set(t);
    c.get(t);
    this.splat(TANG.ROUND).f64x2Sub().set(n);
    c.get(v).get(n);
    this.splat(TANG.LN2_HI).f64x2Mul().f64x2Sub().get(n);
    this.splat(TANG.LN2_LO).f64x2Mul().f64x2Sub().set(r);
    // ni = n + 1023·256 as an integer (n = round(v·256/ln 2)): n mod 256 indexes the table, and
    // ni >>> 8 = m + 1023 is 2^m's exponent field, ≥ 1 for v ≥ −708 (a logical shift, which
    // x64 has for 64-bit lanes, where an arithmetic one takes V8 several instructions).
    c.get(t).i64x2Const(ROUND_BITS - 1023n * 256n).i64x2Sub().set(ni);
    // 2^(j/256) for each lane: the address of lane 1's entry, then lane 0's loaded, then lane 1's.
    c.get(ni).i64x2ExtractLane(1).i32WrapI64().i32(TANG.STEPS - 1).i32And().i32(3).i32Shl();
    c.get(ni).i64x2ExtractLane(0).i32WrapI64().i32(TANG.STEPS - 1).i32And().i32(3).i32Shl().v128Load64Zero(AT_TWO_J);
    c.v128Load64Lane(AT_TWO_J, 1).set(tj);
    // TWO_J · 2^m · p(r), 2^m from its exponent bits.
    c.get(tj).get(ni).i32(8).i64x2ShrU().i32(52).i64x2Shl().f64x2Mul();
    if (estrin) {
      // (1 + r) + r²((1/2 + r/6) + r²/24)
      c.get(r).get(r).f64x2Mul().set(r2);
      this.splat(1).get(r).f64x2Add().get(r2);
      this.splat(0.5).get(r);
      this.splat(1 / 6).f64x2Mul().f64x2Add().get(r2);
      this.splat(1 / 24).f64x2Mul().f64x2Add().f64x2Mul().f64x2Add();
    } else {
      // 1 + r(1 + r(1/2 + r(1/6 + r/24)))
      this.splat(1).get(r);
      this.splat(1).get(r);
      this.splat(0.5).get(r);
      this.splat(1 / 6).get(r);
      this.splat(1 / 24).f64x2Mul().f64x2Add().f64x2Mul().f64x2Add().f64x2Mul().f64x2Add().f64x2Mul().f64x2Add();
    }
    c.f64x2Mul();
  }

  /**
   * log(v) per lane for normal positive v (2^−1022 ≤ v < ∞; the caller checks), as exp.ts's
   * logPositiveSource: the same F, r and terms in the same order.
   */
  log(v: number): void {
    const c = this.c;
    const { bits, j, m, f, r, r2, address0, address1, tj: pair0, ni: pair1, t: logF } = this.locals();
    const { SQRT2_STEP } = LOG_POINTS;
    c.get(v).set(bits);
    // j = ((high & 0xfffff) + 0x800) >>> 12 on the high 32 bits, that is (bits & 0xfffff << 32) + (0x800 << 32) >>> 44: 0..256.
    c.get(bits).i64x2Const(0xfffffn << 32n).v128And().i64x2Const(0x800n << 32n).i64x2Add().i32(44).i64x2ShrU().set(j);
    // m = v scaled to [1, 2): its mantissa bits under the exponent of 1; F = 1 + j/256 likewise.
    c.get(bits).i64x2Const(MANTISSA).v128And().i64x2Const(ONE_BITS).v128Or().set(m);
    c.get(j).i32(44).i64x2Shl().i64x2Const(ONE_BITS).i64x2Add().set(f);
    // The pairs (1/F, log F) of the two lanes, one load each, regrouped into 1/F and log F.
    c.get(j).i32(4).i64x2Shl().set(pair0);
    c.get(pair0).i64x2ExtractLane(0).i32WrapI64().set(address0);
    c.get(pair0).i64x2ExtractLane(1).i32WrapI64().set(address1);
    c.get(address0).v128Load(AT_LOG_PAIRS).set(pair0);
    c.get(address1).v128Load(AT_LOG_PAIRS).set(pair1);
    c.get(pair0).get(pair1).i8x16Shuffle(LOW_HALVES).set(logF);
    c.get(m).get(f).f64x2Sub().get(logF).f64x2Mul().set(r);
    c.get(pair0).get(pair1).i8x16Shuffle(HIGH_HALVES).set(logF);
    c.get(r).get(r).f64x2Mul().set(r2);
    // e log 2 with e = biased exponent − 1023, plus 1 where F ≥ √2 (LOG_F holds log(F/2) there):
    // (b + ((SQRT2_STEP − 1 − j) >>> 63) − 1023) exactly as a double, times log 2.
    c.get(bits).i32(52).i64x2ShrU();
    c.i64x2Const(BigInt(SQRT2_STEP - 1)).get(j).i64x2Sub().i32(63).i64x2ShrU().i64x2Add();
    c.i64x2Const(ROUND_BITS - 1023n).i64x2Add();
    this.splat(TANG.ROUND).f64x2Sub();
    this.splat(Math.LN2).f64x2Mul();
    c.get(logF).f64x2Add();
    // r − r²((1/2 − r/3) + r²((1/4 − r/5) + r²/6))
    c.get(r).get(r2);
    this.splat(0.5).get(r);
    this.splat(1 / 3).f64x2Mul().f64x2Sub().get(r2);
    this.splat(0.25).get(r);
    this.splat(0.2).f64x2Mul().f64x2Sub().get(r2);
    this.splat(1 / 6).f64x2Mul().f64x2Add().f64x2Mul().f64x2Add().f64x2Mul().f64x2Sub();
    c.f64x2Add();
  }
}
