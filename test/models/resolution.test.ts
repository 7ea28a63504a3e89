/**
 * The recording resolution read from the values: every expected δ below is the grid the
 * test itself put the values on (a hand-made lattice), or the written decimals when it put
 * them on none.
 */
import { describe, expect, it } from 'vitest';
import { detectLattice, fromDecimals, recordingResolution } from '../../src/models/resolution.js';
import { mulberry32 } from '../helpers/mixture.js';

/** n normal draws (mean 5, sd 1.3), seeded. */
function draws(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => 5 + 1.3 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** What the reader makes of written strings: the values and the largest number of decimals. */
function written(strings: string[]): { x: Float64Array; decimals: number } {
  const decimals = Math.max(...strings.map((s) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0)));
  return { x: Float64Array.from(strings, Number), decimals };
}

describe('recordingResolution', () => {
  it('finds whole seconds written as minutes with three decimals: 1/60', () => {
    // round(60·x)/60 written with 3 decimals, as a spreadsheet writes durations.
    const { x, decimals } = written(draws(300, 1).map((v) => (Math.round(60 * v) / 60).toFixed(3)));
    const resolution = recordingResolution(x, null, decimals);
    expect(resolution.source).toBe('values');
    expect(resolution.value).toBe(1 / 60);
  });

  it('finds 1/60 under float noise written with 7 decimals (MASS::geyser style) and 17 digits (pandas)', () => {
    const seconds = draws(300, 2).map((v) => Math.round(60 * v) / 60);
    for (const strings of [seconds.map((v) => v.toFixed(7)), seconds.map((v) => String(v * 3 / 3 + 0))]) {
      const { x, decimals } = written(strings);
      expect(recordingResolution(x, null, decimals)).toEqual({ value: 1 / 60, source: 'values' });
    }
  });

  it('reads one lattice point written two ways (4.716 and 4.717 for 283/60) as one', () => {
    const strings = draws(300, 3).map((v) => (Math.round(60 * v) / 60).toFixed(3));
    strings.push('4.716', '3.966');
    const { x, decimals } = written(strings);
    expect(recordingResolution(x, null, decimals).value).toBe(1 / 60);
  });

  it('finds whole numbers written with a decimal, halves with an offset, and tens written as integers', () => {
    expect(recordingResolution(...args(draws(200, 4).map((v) => (10 * Math.round(v)).toFixed(1))))).toEqual({ value: 10, source: 'values' });
    expect(recordingResolution(...args(draws(200, 5).map((v) => (Math.round(v * 2) / 2 + 0.25).toFixed(2))))).toEqual({ value: 0.5, source: 'values' });
    expect(recordingResolution(...args(draws(400, 6).map((v) => String(10 * Math.round(10 * v)))))).toEqual({ value: 10, source: 'values' });
    // Even numbers only: a lattice of step 2 catches half of all integers by chance; not a finding.
    expect(recordingResolution(...args(draws(400, 6).map((v) => String(2 * Math.round(10 * v)))))).toEqual({ value: 1, source: 'decimals' });
  });

  it('keeps the written decimals when the values fill their grid', () => {
    expect(recordingResolution(...args(draws(300, 7).map((v) => v.toFixed(1))))).toEqual({ value: 0.1, source: 'decimals' });
    expect(recordingResolution(...args(draws(300, 8).map((v) => String(Math.round(20 * v)))))).toEqual({ value: 1, source: 'decimals' });
  });

  it('keeps the written decimals for full-precision values (15 or 17 digits) and for few values', () => {
    const full = draws(200, 9);
    expect(recordingResolution(...args(full.map((v) => v.toPrecision(15)))).source).toBe('decimals');
    expect(recordingResolution(...args(full.map(String))).source).not.toBe('values');
    // Seven distinct values on a coarse grid are too few to believe a lattice.
    expect(recordingResolution(...args(['1.0', '2.0', '4.0', '5.0', '7.0', '8.0', '9.0']))).toEqual({ value: 0.1, source: 'decimals' });
  });

  it('gives up on the lattice when one value is off it', () => {
    const strings = draws(300, 10).map((v) => (Math.round(60 * v) / 60).toFixed(3));
    // 4.721 lies 0.0043 from 283/60 and 0.0040 from 566.5/120: on no lattice coarser than 0.001.
    strings.push('4.721');
    expect(recordingResolution(...args(strings))).toEqual({ value: 0.001, source: 'decimals' });
  });

  it('ignores rows of weight 0', () => {
    const strings = draws(300, 11).map((v) => (Math.round(60 * v) / 60).toFixed(3));
    strings.push('4.721');
    const { x, decimals } = written(strings);
    const w = new Float64Array(x.length).fill(1);
    w[x.length - 1] = 0;
    expect(recordingResolution(x, w, decimals).value).toBe(1 / 60);
  });
});

describe('detectLattice', () => {
  it('fits the step by least squares and reports the largest residual', () => {
    // Values 0.5 + 0.6j (written with 1 decimal: 0.5, 1.1, 1.7, …): by chance, 28 values fall on
    // a lattice of six written steps with probability (1/6)^28 = 2e-22, below 1e-9.
    const v = Float64Array.from({ length: 30 }, (_, j) => Number((0.5 + 0.6 * j).toFixed(1)));
    const lattice = detectLattice(v, 0.1, 1e-14);
    expect(lattice?.step).toBeCloseTo(0.6, 12);
    expect(lattice?.offset).toBeCloseTo(0.5, 12);
    expect(lattice?.residual).toBeLessThan(1e-12);
    // 10 values: (1/6)^8 = 6e-7, not significant; steps of three written ones catch a third by chance.
    expect(detectLattice(v.slice(0, 10), 0.1, 1e-14)).toBeNull();
    expect(detectLattice(Float64Array.from({ length: 30 }, (_, j) => Number((0.5 + 0.3 * j).toFixed(1))), 0.1, 1e-14)).toBeNull();
  });
});

function args(strings: string[]): [Float64Array, null, number] {
  const { x, decimals } = written(strings);
  return [x, null, decimals];
}

describe('fromDecimals', () => {
  it('is the double nearest 10^−d, as JSON readers parse it (10 ** −4 is not)', () => {
    for (let d = -5; d <= 20; d++) expect(fromDecimals(d).value).toBe(Number(`1e${-d}`));
    expect(fromDecimals(4).value).toBe(0.0001);
    expect(fromDecimals(5).value).toBe(0.00001);
  });
});
