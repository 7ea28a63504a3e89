/**
 * The special functions against published values: R's nmath (fixtures/special.json, made by
 * fixtures/special.R: lgamma by Cody's Chebyshev fits and lgammacor, digamma and trigamma by
 * Amos's dpsifn, dpois and dt), closed forms (Abramowitz and Stegun 6.1.8, 6.3.2–3, 6.4.2–4;
 * Catalan's constant from OEIS A006752), and exact factorials in BigInt arithmetic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { increasingRoot } from '../../../src/models/families/solve.js';
import {
  digamma,
  lgamma,
  lgammaHalfStep,
  logFactorial,
  logMinusDigamma,
  logMinusDigammaPrime,
  logPoissonPmf,
  logStudentT,
  trigamma,
} from '../../../src/models/families/special.js';

const R = JSON.parse(readFileSync(new URL('./fixtures/special.json', import.meta.url), 'utf8')) as {
  x: number[];
  lgamma: number[];
  digamma: number[];
  trigamma: (number | null)[];
  pois: [number, number, number][];
  t: [number, number, number, number, number][];
};

/** |a − b| ≤ tol · max(1, |b|): relative where |b| ≥ 1, absolute below (next to the zeros). */
function expectNear(a: number, b: number, tol: number, what: string): void {
  const error = Math.abs(a - b) / Math.max(1, Math.abs(b));
  if (!(error <= tol)) throw new Error(`${what}: ${a} against ${b} (error ${error.toExponential(2)} > ${tol})`);
}

const GAMMA = 0.5772156649015329; // Euler–Mascheroni

/**
 * log Γ(x + ½) − log Γ(x) for an integer x ≥ 1, exactly: Γ(x + ½)/Γ(x) = (2x)! √π / (4^x x! (x − 1)!)
 * (Legendre's duplication formula), the ratio in BigInt arithmetic scaled by 10^30.
 */
function exactHalfStep(x: number): number {
  const fact = (n: number): bigint => {
    let f = 1n;
    for (let j = 2n; j <= BigInt(n); j++) f *= j;
    return f;
  };
  const scaled = (fact(2 * x) * 10n ** 30n) / (4n ** BigInt(x) * fact(x) * fact(x - 1));
  return Math.log(Number(scaled) / 1e30) + 0.5 * Math.log(Math.PI);
}
const CATALAN = 0.915965594177219; // OEIS A006752

describe('special functions', () => {
  it('log Γ, ψ and ψ′ match R to 1e-14 (relative, absolute below 1)', () => {
    R.x.forEach((x, i) => {
      expectNear(lgamma(x), R.lgamma[i], 1e-14, `lgamma(${x})`);
      expectNear(digamma(x), R.digamma[i], 1e-14, `digamma(${x})`);
      const t = R.trigamma[i];
      if (t === null) expect(trigamma(x)).toBe(Infinity);
      else expectNear(trigamma(x), t, 1e-14, `trigamma(${x})`);
    });
  });

  it('matches the closed forms', () => {
    // Below 10 the recurrence subtracts numbers near log Γ(10) ≈ 12.8: a few ulps of it, absolute.
    expectNear(lgamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lgamma(1/2)');
    expectNear(lgamma(1.5), 0.5 * Math.log(Math.PI) - Math.LN2, 1e-14, 'lgamma(3/2)');
    expectNear(digamma(1), -GAMMA, 1e-15, 'ψ(1)');
    expectNear(digamma(0.5), -GAMMA - 2 * Math.LN2, 1e-15, 'ψ(1/2)');
    expectNear(digamma(0.25), -GAMMA - Math.PI / 2 - 3 * Math.LN2, 1e-15, 'ψ(1/4)');
    expectNear(trigamma(1), Math.PI ** 2 / 6, 1e-15, 'ψ′(1)');
    expectNear(trigamma(0.5), Math.PI ** 2 / 2, 1e-15, 'ψ′(1/2)');
    expectNear(trigamma(0.25), Math.PI ** 2 + 8 * CATALAN, 1e-15, 'ψ′(1/4)');
    expect(digamma(-1)).toBeNaN();
    expect(lgamma(0)).toBeNaN();
  });

  it('log n! equals the log of the exact factorial', () => {
    let f = 1n;
    for (let n = 0; n <= 170; n++) {
      if (n > 0) f *= BigInt(n);
      expectNear(logFactorial(n), Math.log(Number(f)), 1e-15, `log ${n}!`);
    }
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(1)).toBe(0);
    // Past the table, from lgamma: log 2000! by Stirling's sum in R is lgamma(2001).
    expectNear(logFactorial(2000), 13206.524350513808, 1e-15, 'log 2000!');
  });

  it('log Poisson probabilities and Student-t log-densities match R', () => {
    for (const [n, lambda, value] of R.pois) expectNear(logPoissonPmf(n, lambda), value, 1e-14, `dpois(${n}, ${lambda})`);
    for (const [v, location, scale, df, value] of R.t) expectNear(logStudentT(v, location, scale, df), value, 1e-14, `dt(${v}; ${location}, ${scale}, ${df})`);
    // Below 10 it is the difference of two lgamma values (a few ulps of 13, absolute); from 10 on, the series.
    for (const x of [1, 3, 10, 11, 50, 5000]) expectNear(lgammaHalfStep(x), exactHalfStep(x), x < 10 ? 5e-15 : 2e-15, `lgammaHalfStep(${x})`);
    expectNear(lgammaHalfStep(0.5), -0.5 * Math.log(Math.PI), 5e-15, 'lgammaHalfStep(1/2)');
    expect(logPoissonPmf(0, 0)).toBe(0);
    expect(logPoissonPmf(3, 0)).toBe(-Infinity);
  });

  it('log x − ψ(x) keeps its digits where it is tiny, and its derivative agrees with differences', () => {
    // log x − ψ(x) = 1/(2x) + 1/(12x²) − 1/(120x⁴) + …: at x = 1e6 the difference of R's values keeps ~8 digits only.
    for (const x of [1e3, 1e6, 1e9, 1e12]) expectNear(logMinusDigamma(x) * x, 0.5 + 1 / (12 * x) - 1 / (120 * x ** 3), 1e-15, `x(log x − ψ(x)) at ${x}`);
    R.x.filter((x) => x > 1e-5 && x < 1e3).forEach((x) => {
      expectNear(logMinusDigamma(x), Math.log(x) - R.digamma[R.x.indexOf(x)], 1e-14, `log x − ψ(x) at ${x}`);
      const t = R.trigamma[R.x.indexOf(x)] as number;
      expectNear(logMinusDigammaPrime(x) / (1 / x - t), 1, x < 10 ? 1e-13 : 1e-9, `1/x − ψ′(x) at ${x}`);
    });
  });

  it('the root finder reaches the root to a few ulps, from any start, and returns a bracket end beyond it', () => {
    for (const s of [1e-12, 1e-6, 0.01, 0.3, 2, 40]) {
      for (const start of [0.5 / s, 1 / s, 0.7 / s]) {
        const alpha = increasingRoot(
          (a) => s - logMinusDigamma(a),
          (a) => -logMinusDigammaPrime(a),
          0.5 / s,
          1 / s,
          start,
        );
        // At the root the residual is within the rounding of log α − ψ(α) itself.
        expect(Math.abs(logMinusDigamma(alpha) - s)).toBeLessThanOrEqual(8 * Number.EPSILON * s);
      }
    }
    expect(increasingRoot((x) => x - 5, () => 1, 0, 3, 1)).toBe(3);
    expect(increasingRoot((x) => x + 5, () => 1, 0, 3, 1)).toBe(0);
  });
});
