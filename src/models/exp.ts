/**
 * exp(v) for v ≤ 0, about 2.5 times as fast as Math.exp in V8 and within 5e-16 relative of it.
 *
 * The E-step spends most of its time in exp(a_ik − max_k a_ik); this is Tang's table method
 * (ACM TOMS 15, 1989): write v = (256·m + j)·ln2/256 + r with |r| ≤ ln2/512, so that
 *   exp(v) = 2^m · 2^(j/256) · exp(r),
 * take 2^m and 2^(j/256) from tables and exp(r) from its Taylor polynomial to r^4, whose
 * truncation error (|r|^5/5! < 4e-17) is below double rounding. Rounding v·256/ln2 to an
 * integer uses the 1.5·2^52 trick, which V8 compiles to two additions. ln2/256 is split into
 * a high part with trailing zero bits and a low part, so N·LN2_HI is exact (Cody–Waite).
 * Measured: 2.7 ns against 3.5 ns with a 32-entry table and degree 6, and 7 ns for Math.exp.
 * Results below 2^-1022 (v < -708) are flushed to 0: they are negligible next to the
 * largest term, which the caller keeps at exactly 1.
 */
const STEPS = 256;
export const TWO_J = new Float64Array(STEPS);
for (let j = 0; j < STEPS; j++) TWO_J[j] = 2 ** (j / STEPS);

const MIN_EXPONENT = -1023;
export const TWO_M = new Float64Array(-MIN_EXPONENT + 1);
for (let m = MIN_EXPONENT; m <= 0; m++) TWO_M[m - MIN_EXPONENT] = 2 ** m;

const INV_LN2 = STEPS / Math.LN2;
const LN2_HI = 0.6931471803691238 / STEPS;
const LN2_LO = 1.9082149292705877e-10 / STEPS;
const ROUND = 6755399441055744; // 1.5 · 2^52

/** The method's constants, for a kernel written in another language (gaussian-wasm.ts). */
export const TANG = { STEPS, MIN_EXPONENT, INV_LN2, LN2_HI, LN2_LO, ROUND } as const;

export function expNonPositive(v: number): number {
  // NaN is returned as v itself: a NaN constant here would make V8 box every result as a
  // heap number (measured: 30 times the garbage collections of a search, and 25% slower).
  if (!(v >= -708)) return v === v ? 0 : v;
  const t = v * INV_LN2 + ROUND;
  const n = t - ROUND;
  const r = v - n * LN2_HI - n * LN2_LO;
  const ni = n | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  return TWO_J[ni & (STEPS - 1)] * TWO_M[(ni >> 8) - MIN_EXPONENT] * p;
}

/**
 * Tang's method as statements for generated code: sets the declared variable `out` to exp(`v`)
 * for v ≥ −708 that `inRange` admits, the same operations in the same order as expNonPositive
 * (so the same bits), with 2^m from the table named `twoM`; `outside` is the statement for
 * the other arguments. With `estrin`, the polynomial is (1 + r) + r²((1/2 + r/6) + r²/24),
 * three operations deep instead of Horner's eight: other bits than expNonPositive's, as close.
 */
function tangSource(v: string, out: string, inRange: string, outside: string, twoM: string, estrin = false): string {
  const [t, n, r, ni, r2] = [`${out}t`, `${out}n`, `${out}r`, `${out}i`, `${out}s`];
  const p = estrin ? `((1 + ${r}) + ${r2} * ((0.5 + ${r} * ${1 / 6}) + ${r2} * ${1 / 24}))` : `(1 + ${r} * (1 + ${r} * (0.5 + ${r} * (${1 / 6} + ${r} * ${1 / 24}))))`;
  return `if (!(${inRange})) ${outside}
    else {
      const ${t} = ${v} * ${INV_LN2} + ${ROUND};
      const ${n} = ${t} - ${ROUND};
      const ${r} = ${v} - ${n} * ${LN2_HI} - ${n} * ${LN2_LO};
      const ${ni} = ${n} | 0;
      ${estrin ? `const ${r2} = ${r} * ${r};` : ''}
      ${out} = TWO_J[${ni} & ${STEPS - 1}] * ${twoM}[(${ni} >> 8) - ${MIN_EXPONENT}] * ${p};
    }`;
}

/**
 * expNonPositive as statements for generated code (see gaussian-kernel.ts): sets the declared
 * variable `out` to exp(`v`), the same bits, with the tables bound to TWO_J and TWO_M. Calling
 * the function instead costs 20–27% of a pass once V8 stops inlining it into a large kernel
 * (measured from 6 components up).
 */
export function expNonPositiveSource(v: string, out: string): string {
  return tangSource(v, out, `${v} >= -708`, `${out} = ${v} === ${v} ? 0 : ${v};`, 'TWO_M');
}

const MAX_EXPONENT = 1023;
/** 2^m for m = −1023..1023: expSource's table, indexed by m + 1023. */
export const TWO_M_ALL = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
for (let m = MIN_EXPONENT; m <= MAX_EXPONENT; m++) TWO_M_ALL[m - MIN_EXPONENT] = 2 ** m;

/**
 * exp(v) for any v as statements for generated code: Tang's method as above over [−708, 709],
 * where 2^m has a table entry (TWO_M_ALL), and Math.exp beyond (subnormal results, +∞, NaN).
 * For the Weibull pass, where (x/σ)^κ = exp(κ log(x/σ)) has either sign, and the families'
 * terms exp(a − top) from a top that may lie a little below the largest a (kernel.ts): about
 * 3 ns against Math.exp's 7–14 ns, and within 5e-16 relative of it (test/models/exp.test.ts).
 * Estrin's polynomial: on the rows' critical path, it took the Weibull's pass from 2.17 to
 * 2.09× the Gaussian's JavaScript pass (measured, K = 3).
 */
export function expSource(v: string, out: string): string {
  return tangSource(v, out, `${v} >= -708 && ${v} <= 709`, `${out} = Math.exp(${v});`, 'TWO_M_ALL', true);
}

/** log(2π), the constant of the Gaussian log-density. */
export const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log(v) for v > 0 as statements for generated code, by a table as for exp (Tang, ACM TOMS 16,
 * 1990, in a simpler form):
 * v = 2^e · m with m ∈ [1, 2) read from the bits of v, F = 1 + j/256 the table point nearest
 * m (j = 0..256), and
 *   log v = e log 2 + log F + log1p(r),   r = (m − F)/F,  |r| ≤ 1/512,
 * with log1p(r) from its Taylor polynomial to r^6 (truncation below 1e-17 relative). For
 * F ≥ √2 the table holds log(F/2) and e counts one more, so that the terms never cancel
 * beyond a factor of 2; next to v = 1 (F = 1 or F/2 = 1), e log 2 = log F = 0 and r = m − F
 * exactly, so log v keeps its relative precision there. m − F is exact (Sterbenz); the
 * rounding of e log 2, log F and 1/F leaves the result within 2 ulps of Math.log
 * (test/models/exp.test.ts). Zero, subnormals, negatives, ∞ and NaN go to Math.log.
 * About 3.5 ns against Math.log's 8–15 ns (measured on the 2-core VM, Node 20).
 * F comes from a table (POINT_F) rather than 1 + j/256, whose int-to-double conversion V8
 * emits with a false dependency on its target register, and the polynomial is evaluated by
 * Estrin's scheme in r² (depth 4 instead of Horner's 6): a loop of logs went from 4.6 to 3.7 ns
 * a log (measured, 1M logs, same bits there as before).
 */
const LOG_STEPS = 256;
const SQRT2_STEP = Math.ceil((Math.SQRT2 - 1) * LOG_STEPS); // first j with F ≥ √2
export const POINT_F = new Float64Array(LOG_STEPS + 1);
export const LOG_F = new Float64Array(LOG_STEPS + 1);
export const INV_F = new Float64Array(LOG_STEPS + 1);
for (let j = 0; j <= LOG_STEPS; j++) {
  const F = 1 + j / LOG_STEPS;
  POINT_F[j] = F;
  LOG_F[j] = j < SQRT2_STEP ? Math.log(F) : Math.log(F / 2);
  INV_F[j] = 1 / F;
}
/** The log's table size and its first point at or above √2, for a kernel written in another language (wasm-math.ts). */
export const LOG_POINTS = { STEPS: LOG_STEPS, SQRT2_STEP } as const;
/** (e + 1023) log 2 for e + 1023 = 0..2047: the exponent's term, indexed by the biased exponent. */
export const E_LN2 = new Float64Array(2048);
for (let b = 0; b < 2048; b++) E_LN2[b] = (b - 1023) * Math.LN2;
/** 2^(1023 − b): scales a double of biased exponent b to [1, 2). */
export const UNSCALE = new Float64Array(2048);
for (let b = 1; b < 2047; b++) UNSCALE[b] = 2 ** (1023 - b);
/** A double and its two 32-bit halves, to read an exponent. */
export const BITS_F64 = new Float64Array(1);
export const BITS_U32 = new Uint32Array(BITS_F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;

/** Sets the declared variable `out` to log(`v`), as above (tables bound to BITS_F64, BITS_U32, UNSCALE, POINT_F, INV_F, E_LN2, LOG_F). */
export function logPositiveSource(v: string, out: string): string {
  const [hi, b, j, r, r2] = [`${out}h`, `${out}b`, `${out}j`, `${out}r`, `${out}s`];
  return `BITS_F64[0] = ${v};
    const ${hi} = BITS_U32[${HIGH}];
    const ${b} = ${hi} >>> 20;
    if ((${b} - 1) >>> 0 >= ${0x7fe}) ${out} = Math.log(${v});
    else {
      const ${j} = ((${hi} & ${0xfffff}) + ${0x800}) >>> 12;
      const ${r} = (${v} * UNSCALE[${b}] - POINT_F[${j}]) * INV_F[${j}];
      const ${r2} = ${r} * ${r};
      ${out} = E_LN2[${b} + ((${SQRT2_STEP - 1} - ${j}) >>> 31)] + LOG_F[${j}] + (${r} - ${r2} * ((0.5 - ${r} * ${1 / 3}) + ${r2} * ((0.25 - ${r} * 0.2) + ${r2} * ${1 / 6})));
    }`;
}

/** The tables that the sources above refer to, by the names they use. */
export const KERNEL_TABLES = { TWO_J, TWO_M, TWO_M_ALL, BITS_F64, BITS_U32, UNSCALE, POINT_F, INV_F, E_LN2, LOG_F } as const;
