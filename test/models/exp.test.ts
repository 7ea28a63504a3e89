import { describe, expect, it } from 'vitest';
import { expNonPositive, expNonPositiveSource, expSource, logPositiveSource } from '../../src/models/exp.js';
import { compiled } from '../helpers/sources.js';

describe('expNonPositive', () => {
  it('is within 5e-16 relative of Math.exp over [-708, 0]', () => {
    let worst = 0;
    for (let i = 0; i <= 200000; i++) {
      const v = -708 * (i / 200000) ** 2;
      const err = Math.abs(expNonPositive(v) - Math.exp(v)) / Math.exp(v);
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThan(5e-16);
  });

  it('is exact at 0 and flushes what lies below 2^-1022 to 0', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-709)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(NaN)).toBeNaN();
  });
});

describe('expNonPositiveSource', () => {
  it('gives the bits of expNonPositive', () => {
    const f = compiled(expNonPositiveSource);
    for (const v of [0, -0, -1e-300, -0.3, -1, -7.77, -700.5, -708, -709, -Infinity, NaN]) expect(Object.is(f(v), expNonPositive(v))).toBe(true);
    for (let i = 0; i <= 1000; i++) expect(f(-708 * (i / 1000) ** 2)).toBe(expNonPositive(-708 * (i / 1000) ** 2));
  });
});

describe('expSource', () => {
  const exp = compiled(expSource);

  it('is within 5e-16 relative of Math.exp over [-708, 709]', () => {
    let worst = 0;
    for (let i = -200000; i <= 200000; i++) {
      const v = (i < 0 ? 708 : 709) * Math.sign(i) * (i / 200000) ** 2;
      worst = Math.max(worst, Math.abs(exp(v) - Math.exp(v)) / Math.exp(v));
    }
    expect(worst).toBeLessThan(5e-16);
  });

  it('is Math.exp beyond: subnormal, +∞, 0 and NaN', () => {
    for (const v of [-709, -740, -746, 710, Infinity, -Infinity, NaN]) expect(Object.is(exp(v), Math.exp(v))).toBe(true);
    expect(exp(0)).toBe(1);
  });
});

describe('logPositiveSource', () => {
  const log = compiled(logPositiveSource);
  const ulp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 52);

  it('is within 2 ulps of Math.log over positive doubles, and keeps its relative precision next to 1', () => {
    let worst = 0;
    let seed = 7;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const values: number[] = [];
    for (let i = 0; i < 100000; i++) values.push(Math.exp(1400 * (random() - 0.5)), 1 + (random() - 0.5) * 2 ** (-60 * random()), 0.5 + 1.5 * random());
    for (let j = 0; j <= 256; j++) values.push(1 + j / 256, (1 + j / 256) * 2 ** 40, (1 + j / 256) / 2);
    for (const v of values) {
      const want = Math.log(v);
      if (want !== 0) worst = Math.max(worst, Math.abs(log(v) - want) / ulp(want));
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(log(1)).toBe(0);
  });

  it('is Math.log for zero, subnormals, negatives, ∞ and NaN', () => {
    for (const v of [0, -0, 5e-324, 1e-310, -1, Infinity, NaN]) expect(Object.is(log(v), Math.log(v))).toBe(true);
  });
});
