/**
 * The standard normal distribution in logarithms: log φ, log Φ, log Φc and the log of the
 * probability of an interval, accurate in the far tails, where Φ itself underflows.
 *
 * Built on the scaled complementary error function erfcx(t) = exp(t²) erfc(t), t ≥ 0, by the
 * near-minimax rational approximations of W. J. Cody, "Rational Chebyshev approximations for
 * the error function", Mathematics of Computation 23 (1969), 631–638 (the coefficients of
 * his CALERF, to 18 significant digits): erf on [0, 0.46875], erfc on (0.46875, 4], and
 * erfc·x·exp(x²) as a function of 1/x² beyond 4. Then
 *   Φc(z) = ½ erfc(z/√2) = ½ exp(−z²/2) erfcx(z/√2),  log Φc(z) = −z²/2 + log(erfcx(z/√2)/2).
 */

/** ½ log(2π). */
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_PI = 0.5641895835477563;

const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
const D = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];

/** erf(t) for |t| ≤ 0.46875 (Cody's first interval). */
function erfSmall(t: number): number {
  const t2 = t * t;
  let num = A[4] * t2;
  let den = t2;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * t2;
    den = (den + B[i]) * t2;
  }
  return (t * (num + A[3])) / (den + B[3]);
}

/** erfcx(t) = exp(t²) erfc(t) for t ≥ 0. */
export function erfcx(t: number): number {
  if (t <= 0.46875) return Math.exp(t * t) * (1 - erfSmall(t));
  if (t <= 4) {
    let num = C[8] * t;
    let den = t;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * t;
      den = (den + D[i]) * t;
    }
    return (num + C[7]) / (den + D[7]);
  }
  const u = 1 / (t * t);
  let num = P[5] * u;
  let den = u;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * u;
    den = (den + Q[i]) * u;
  }
  return (INV_SQRT_PI - (u * (num + P[4])) / (den + Q[4])) / t;
}

/** erfc(t) for any t. */
export function erfc(t: number): number {
  if (Math.abs(t) <= 0.46875) return 1 - erfSmall(t);
  const e = Math.exp(-t * t) * erfcx(Math.abs(t));
  return t > 0 ? e : 2 - e;
}

/** log φ(z), the log of the standard normal density. */
export const logPhiDensity = (z: number): number => -0.5 * z * z - HALF_LOG_2PI;

/** log Φc(z) = log P(Z > z). */
export function logUpper(z: number): number {
  const t = z * SQRT_HALF;
  if (t >= 0) return -t * t + Math.log(0.5 * erfcx(t));
  // Φc(z) = 1 − ½ erfc(|t|) for z < 0: log1p keeps it exact near 0.
  return Math.log1p(-0.5 * erfc(-t));
}

/** log Φ(z) = log P(Z ≤ z). */
export const logLower = (z: number): number => logUpper(-z);

/**
 * log P(a < Z ≤ b) for a < b, without cancellation: in the upper tail as a difference of
 * Φc, in the lower tail of Φ, and across 0 as 1 − Φ(a) − Φc(b).
 */
export function logInterval(a: number, b: number): number {
  if (a >= 0) {
    const la = logUpper(a);
    return la + Math.log1p(-Math.exp(logUpper(b) - la));
  }
  if (b <= 0) {
    const lb = logLower(b);
    return lb + Math.log1p(-Math.exp(logLower(a) - lb));
  }
  return Math.log1p(-(Math.exp(logLower(a)) + Math.exp(logUpper(b))));
}
