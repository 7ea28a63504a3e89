import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../../src/models/exp.js';

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
