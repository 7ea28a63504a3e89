/**
 * The normal distribution in logarithms. Reference values: R 4.2.2,
 * pnorm(z, lower.tail = FALSE, log.p = TRUE) printed with %.17g, and
 * log(pnorm(b) − pnorm(a)) for intervals away from the tails.
 */
import { describe, expect, it } from 'vitest';
import { erfc, logInterval, logLower, logUpper } from '../../src/models/normal.js';

const R_LOG_UPPER: [number, number][] = [
  [-10, -7.619853024160527e-24],
  [-3, -0.0013508099647481938],
  [-1, -0.17275377902344988],
  [-0.3, -0.48141016158848116],
  [0, -0.6931471805599453],
  [0.2, -0.8657395226815954],
  [0.5, -1.1759117615936185],
  [1, -1.8410216450092636],
  [2.5, -5.08164827727869],
  [4, -10.360101486527292],
  [6, -20.736768949974707],
  [10, -53.23128515051247],
  [38, -726.5572160188201],
];

describe('log Φc, log Φ and interval probabilities', () => {
  it.each(R_LOG_UPPER)('log Φc(%d) matches R to 1e-14 relative', (z, reference) => {
    expect(Math.abs(logUpper(z) - reference) / Math.abs(reference)).toBeLessThan(1e-14);
    expect(logLower(-z)).toBe(logUpper(z));
  });

  it('gives interval probabilities as R does, and in the far tails where Φ underflows', () => {
    // R: log(pnorm(1.2) − pnorm(1.1)), log(pnorm(0.3) − pnorm(−0.4)), log(pnorm(−2) − pnorm(−2.5)).
    expect(logInterval(1.1, 1.2)).toBeCloseTo(-3.882639426077311, 13);
    expect(logInterval(-0.4, 0.3)).toBeCloseTo(-1.2970638476386884, 14);
    expect(logInterval(-2.5, -2)).toBeCloseTo(-4.101945378031025, 14);
    // R: pnorm(−30, log.p = TRUE) + log1p(−exp(pnorm(−31, log.p = TRUE) − pnorm(−30, log.p = TRUE))).
    expect(logInterval(-31, -30)).toBeCloseTo(-454.32124395634327, 10);
    expect(logInterval(30, 31)).toBe(logInterval(-31, -30));
  });

  it('erfc is 1 − erf: values of Abramowitz and Stegun, table 7.1', () => {
    // erf(0.5) = 0.5204998778130465, erf(1) = 0.8427007929497149, erf(2) = 0.9953222650189527.
    expect(erfc(0.5)).toBeCloseTo(1 - 0.5204998778130465, 15);
    expect(erfc(1)).toBeCloseTo(1 - 0.8427007929497149, 15);
    expect(erfc(2)).toBeCloseTo(1 - 0.9953222650189527, 15);
    expect(erfc(-1)).toBeCloseTo(1 + 0.8427007929497149, 15);
  });
});
