import { describe, expect, it } from 'vitest';
import { ulp, varianceFloor } from '../../src/models/floor.js';
import { fromDecimals } from '../../src/models/resolution.js';

describe('variance floor', () => {
  it('is δ²/12 for data written with d decimals (δ = 10^-d) or as integers (δ = 1)', () => {
    expect(varianceFloor(fromDecimals(1), 5).floor).toBeCloseTo(0.01 / 12, 18);
    expect(varianceFloor(fromDecimals(0), 96).floor).toBe(1 / 12);
    expect(varianceFloor(fromDecimals(3), 5).resolution).toBe(0.001);
    expect(varianceFloor(fromDecimals(-2), 5e4).resolution).toBe(100);
  });

  it('never goes below the spacing of doubles at the data magnitude', () => {
    // 1e9 has ulp 2^-23: data written with 20 decimals there cannot be that fine.
    expect(varianceFloor(fromDecimals(20), 1e9).resolution).toBe(2 ** -23);
    expect(varianceFloor(fromDecimals(20), 1e9).resolutionSource).toBe('machine');
    expect(varianceFloor(fromDecimals(20), 1e9, 1e-300).floor).toBe(2 ** -46 / 12);
  });

  it('takes the user floor as given above that spacing', () => {
    expect(varianceFloor(fromDecimals(1), 5, 0.5)).toEqual({ floor: 0.5, resolution: 0.1, resolutionSource: 'decimals', source: 'user' });
  });

  it('ulp is the spacing of doubles', () => {
    expect(ulp(1)).toBe(Number.EPSILON);
    expect(ulp(1.5)).toBe(Number.EPSILON);
    expect(ulp(2)).toBe(2 * Number.EPSILON);
    expect(ulp(0.75)).toBe(Number.EPSILON / 2);
    expect(ulp(-1024)).toBe(1024 * Number.EPSILON);
  });
});
