/**
 * Special functions for the component families: log Γ, ψ = (log Γ)', ψ' and log x − ψ(x),
 * for x > 0, in double precision; and the log-densities built on them.
 *
 * Method (the classical one of Abramowitz and Stegun 6.1.41, 6.3.18, 6.4.12): shift the
 * argument up to X = x + n ≥ 10 by the recurrences
 *   log Γ(x) = log Γ(x + n) − log(x (x + 1) ⋯ (x + n − 1))
 *   ψ(x)     = ψ(x + n) − Σ_{j<n} 1/(x + j)
 *   ψ'(x)    = ψ'(x + n) + Σ_{j<n} 1/(x + j)²
 * and sum the Stirling series there, with the Bernoulli numbers B_2m:
 *   log Γ(X) = (X − ½) log X − X + ½ log 2π + Σ_{m≥1} B_2m / (2m (2m − 1) X^(2m−1))
 *   ψ(X)     = log X − 1/(2X) − Σ_{m≥1} B_2m / (2m X^(2m))
 *   ψ'(X)    = 1/X + 1/(2X²) + Σ_{m≥1} B_2m / X^(2m+1).
 * Eight terms are kept; at X = 10 the first omitted term is below 1e-17 relative in each
 * series (the series are asymptotic, and their terms still shrink there until m ≈ 31).
 * Accuracy (checked against R's nmath in test/models/families/special.test.ts): about 2e-16
 * relative away from the zeros of log Γ (x = 1, 2) and of ψ (x ≈ 1.4616), and 3e-15
 * absolute next to them, where the recurrence subtracts two numbers near log Γ(11) ≈ 15.1.
 */

/** ½ log(2π). */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Shift target of the recurrences. */
const SHIFT = 10;

/** B_2m / (2m (2m − 1)) for m = 1..8, the coefficients of the log Γ series in 1/X^(2m−1). */
const LGAMMA_SERIES = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];
/** B_2m / (2m) for m = 1..8, the coefficients of the ψ series in 1/X^(2m). */
const DIGAMMA_SERIES = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160];
/** B_2m for m = 1..8, the coefficients of the ψ' series in 1/X^(2m+1). */
const TRIGAMMA_SERIES = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510];

/** Σ_m c_m v^m for v = 1/X² (Horner), the tail shared by the three series. */
function series(c: readonly number[], v: number): number {
  let s = 0;
  for (let m = c.length - 1; m >= 0; m--) s = s * v + c[m];
  return s * v;
}

/** log Γ(x) for x > 0 (NaN for x ≤ 0 or NaN, +∞ for x = +∞). */
export function lgamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return Infinity;
  if (x >= SHIFT) {
    const v = 1 / (x * x);
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + x * series(LGAMMA_SERIES, v);
  }
  let product = 1;
  let X = x;
  while (X < SHIFT) product *= X++;
  return lgamma(X) - Math.log(product);
}

/** ψ(x) = d log Γ(x)/dx for x > 0. */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return Infinity;
  let sum = 0;
  let X = x;
  while (X < SHIFT) sum += 1 / X++;
  return Math.log(X) - 0.5 / X - series(DIGAMMA_SERIES, 1 / (X * X)) - sum;
}

/** ψ'(x) = d²log Γ(x)/dx² for x > 0. */
export function trigamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return 0;
  let sum = 0;
  let X = x;
  while (X < SHIFT) {
    sum += 1 / (X * X);
    X++;
  }
  return 1 / X + 0.5 / (X * X) + series(TRIGAMMA_SERIES, 1 / (X * X)) / X + sum;
}

/**
 * log x − ψ(x) for x > 0: positive, decreasing from +∞ to 0, about 1/(2x) for large x.
 * Both the gamma shape equation and the Student-t df equation are `logMinusDigamma(a) = c`.
 * For x ≥ 10 it is summed from the series, 1/(2X) + Σ B_2m/(2m X^(2m)), not as the
 * difference of two numbers near log x, which would lose log x / (1/2x) ≈ 2x log x ulps
 * (at x = 1e6, 8 of 16 digits).
 */
export function logMinusDigamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return 0;
  if (x >= SHIFT) return 0.5 / x + series(DIGAMMA_SERIES, 1 / (x * x));
  return Math.log(x) - digamma(x);
}

/**
 * d/dx (log x − ψ(x)) = 1/x − ψ'(x) < 0, summed from its series for x ≥ 10 for the same
 * reason: −1/(2X²) − Σ B_2m / X^(2m+1).
 */
export function logMinusDigammaPrime(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return 0;
  if (x >= SHIFT) return -0.5 / (x * x) - series(TRIGAMMA_SERIES, 1 / (x * x)) / x;
  return 1 / x - trigamma(x);
}

/** Largest n whose log n! the table holds. */
export const FACTORIAL_TABLE = 1024;
/** log n! for n = 0..FACTORIAL_TABLE. */
export const LOG_FACTORIAL = new Float64Array(FACTORIAL_TABLE + 1);
// Up to 170! the factorial itself is a double (exact to 22!, then within 170 roundings, 2e-14
// relative, which is 3e-17 relative in log 170!), and its log is then correctly rounded to
// within an ulp, where lgamma's recurrence near n = 1, 2 would lose two or three.
for (let n = 2, f = 1; n <= FACTORIAL_TABLE; n++) {
  f *= n;
  LOG_FACTORIAL[n] = n <= 170 ? Math.log(f) : lgamma(n + 1);
}

/**
 * log n! = log Γ(n + 1) for a non-negative integer n: from a table up to 1024 (it is in the
 * Poisson pass of every row), from lgamma beyond. Exactly 0 for n = 0 and 1.
 */
export function logFactorial(n: number): number {
  return n <= FACTORIAL_TABLE ? LOG_FACTORIAL[n] : lgamma(n + 1);
}

/**
 * log of the Poisson probability λ^x e^(−λ) / x! for a non-negative integer x and λ ≥ 0:
 * x log λ − λ − log x!, with 0 log 0 = 0 (so λ = 0 gives 0 at x = 0 and −∞ elsewhere).
 */
export function logPoissonPmf(x: number, lambda: number): number {
  return (x === 0 ? 0 : x * Math.log(lambda)) - lambda - logFactorial(x);
}

/**
 * log of the Student-t density with location μ, scale σ and ν degrees of freedom:
 *   log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log σ − (ν+1)/2 · log(1 + (x − μ)²/(νσ²)),
 * with log1p for the last term so that it stays exact in relative terms near the centre.
 */
export function logStudentT(x: number, location: number, scale: number, df: number): number {
  const z = (x - location) / scale;
  return tLogConstant(scale, df) - 0.5 * (df + 1) * Math.log1p((z * z) / df);
}

/**
 * log Γ(x + ½) − log Γ(x) for x > 0, without the cancellation of two large log Γ values (at
 * x = 5000 each is about 4e4 and their difference 4.26, so the plain difference keeps only
 * 12 digits). For x ≥ 10, from the Stirling series of both:
 *   x·log1p(1/(2x)) − ½ + ½ log x + S(x + ½) − S(x),   S(X) = Σ B_2m/(2m(2m−1)X^(2m−1)),
 * where x·log1p(1/(2x)) − ½ ≈ −1/(8x) loses only the rounding of ½.
 */
export function lgammaHalfStep(x: number): number {
  if (!(x >= SHIFT)) return lgamma(x + 0.5) - lgamma(x);
  const y = x + 0.5;
  return x * Math.log1p(0.5 / x) - 0.5 + 0.5 * Math.log(x) + y * series(LGAMMA_SERIES, 1 / (y * y)) - x * series(LGAMMA_SERIES, 1 / (x * x));
}

/** The part of the Student-t log-density that does not depend on x: log Γ((ν+1)/2) − log Γ(ν/2) − ½ log(νπ) − log σ. */
export function tLogConstant(scale: number, df: number): number {
  return lgammaHalfStep(0.5 * df) - 0.5 * Math.log(df * Math.PI) - Math.log(scale);
}
