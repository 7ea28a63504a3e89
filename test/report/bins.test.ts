import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  curveGrid,
  dataRange,
  drawnMixture,
  freedmanDiaconisWidth,
  histogram,
  interquartileRange,
  mixtureDensity,
  plotRange,
  quantile,
  singleBinWidth,
  sturgesBins,
} from '../../src/report/bins.js';
import type { GaussianMixture } from '../../src/models/gaussian.js';
import { mulberry32 } from '../helpers/mixture.js';

const data = (x: number[], w: number[] | null = null) => ({ x: Float64Array.from(x), w: w === null ? null : Float64Array.from(w) });
const faithful = Float64Array.from(readFileSync('fixtures/faithful.csv', 'utf8').trim().split('\n').slice(1).map(Number));
/** A Gaussian mixture as the plots draw it. */
const theta = (weight: number[], mean: number[], variance: number[]) =>
  drawnMixture(
    { family: 'gaussian', k: weight.length, variance: 'unequal', floor: Math.min(...variance) },
    {
      weight: Float64Array.from(weight),
      mean: Float64Array.from(mean),
      variance: Float64Array.from(variance),
    } as GaussianMixture,
  );

/** Type-7 quantile by the textbook: sort, then interpolate at h = p(n − 1). */
function reference(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = p * (s.length - 1);
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

describe('quantiles', () => {
  it('are R type 7: IQR(1:9) = 4, and faithful$waiting has quartiles 58 and 82 (R summary())', () => {
    const d = data([9, 1, 8, 2, 7, 3, 6, 4, 5]);
    expect(interquartileRange(d, dataRange(d))).toBe(4);
    const f = { x: faithful, w: null };
    const range = dataRange(f);
    expect(quantile(f, range, 0.25)).toBe(58);
    expect(quantile(f, range, 0.75)).toBe(82);
  });

  it('count a row of weight w as w rows: (1, 2), (2, 1), (5, 3) is 1, 1, 2, 5, 5, 5, whose R quartiles are 1.25 and 5', () => {
    const d = data([5, 1, 2], [3, 2, 1]);
    const range = dataRange(d);
    expect(quantile(d, range, 0.25)).toBeCloseTo(1.25, 12);
    expect(quantile(d, range, 0.75)).toBe(5);
  });

  it('leave out rows of weight 0', () => {
    const d = data([100, 1, 2, 3, -50], [0, 1, 1, 1, 0]);
    const range = dataRange(d);
    expect(range).toEqual({ lo: 1, hi: 3, total: 3 });
    expect(quantile(d, range, 0.5)).toBe(2);
  });

  it('match sorting on random integer-weighted data, and when one bucket holds most rows (an outlier far away)', () => {
    const u = mulberry32(5);
    const x: number[] = [];
    const w: number[] = [];
    const expanded: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = Math.round(u() * 1000) / 10;
      const wi = Math.floor(u() * 4);
      x.push(v);
      w.push(wi);
      for (let j = 0; j < wi; j++) expanded.push(v);
    }
    const d = data(x, w);
    for (const p of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) expect(quantile(d, dataRange(d), p)).toBeCloseTo(reference(expanded, p), 10);

    const crowded = Array.from({ length: 150_000 }, () => u());
    crowded.push(1e9);
    const c = data(crowded);
    for (const p of [0.25, 0.75]) expect(quantile(c, dataRange(c), p)).toBe(reference(crowded, p));
  });
});

describe('bin width', () => {
  it('Freedman–Diaconis is 2·IQR·n^(−1/3): 1:9 gives 2·4/9^(1/3) = 8/2.080084 = 3.846', () => {
    expect(freedmanDiaconisWidth(4, 9)).toBeCloseTo(3.846, 3);
    const h = histogram(data([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(h.rule).toBe('freedman-diaconis');
    expect(h.width).toBeCloseTo(3.846, 3);
    expect(h.start).toBe(1);
    // R: nclass.FD(1:9) = 3.
    expect(Array.from(h.counts)).toEqual([4, 4, 1]);
  });

  it('on faithful, 48/272^(1/3) = 7.41 rounds to 7 whole minutes, edges at half minutes: 8 bins from 42.5', () => {
    const h = histogram({ x: faithful, w: null }, { resolution: 1 });
    expect(h.rule).toBe('freedman-diaconis');
    expect(freedmanDiaconisWidth(24, 272)).toBeCloseTo(7.408, 3);
    expect(h.width).toBe(7);
    expect(h.start).toBe(42.5);
    expect(h.counts.length).toBe(8);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(272);
  });

  it('falls back to Sturges when the IQR is 0: nine rows, ⌈log₂ 9⌉ + 1 = 5 bins over the range', () => {
    expect(sturgesBins(9)).toBe(5);
    const h = histogram(data([0, 0, 0, 0, 0, 0, 0, 1, 2]));
    expect(h.rule).toBe('sturges');
    expect(h.width).toBeCloseTo(0.4, 12);
    expect(Array.from(h.counts)).toEqual([7, 0, 1, 0, 1]);
  });

  it('caps the number of bins', () => {
    const u = mulberry32(9);
    const h = histogram(data(Array.from({ length: 100_000 }, () => u())), { maxBins: 10 });
    expect(h.counts.length).toBe(10);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(100_000);
  });

  it('gives a constant column one bin, as tall as the narrowest component is at its peak', () => {
    const t = theta([1], [3], [0.25]);
    const h = histogram(data([3, 3, 3]), { singleWidth: singleBinWidth(t) });
    expect(h.rule).toBe('single');
    expect(h.counts.length).toBe(1);
    expect(h.start + h.width / 2).toBe(3);
    expect(h.density[0]).toBeCloseTo(mixtureDensity(t, 3), 12);
  });
});

describe('density scale', () => {
  it('bars integrate to 1, with weights', () => {
    const u = mulberry32(3);
    const x = Array.from({ length: 5000 }, () => u() * 10);
    const w = Array.from({ length: 5000 }, () => u() * 2);
    const h = histogram(data(x, w));
    expect(h.density.reduce((a, b) => a + b * h.width, 0)).toBeCloseTo(1, 12);
  });
});

describe('curves', () => {
  it('the mixture density is Σ π_k N(x; μ_k, σ²_k): at 0 with N(0,1) and N(2,4) halves, 0.5·0.398942 + 0.5·0.120985', () => {
    expect(mixtureDensity(theta([0.5, 0.5], [0, 2], [1, 4]), 0)).toBeCloseTo(0.5 * 0.3989423 + 0.5 * 0.1209854, 6);
  });

  it('the grid holds the means, in order', () => {
    const t = theta([0.5, 0.5], [0.123, 7.77], [1, 1]);
    const grid = curveGrid(t, -1, 10, 5);
    expect(Array.from(grid)).toEqual([-1, 0.123, 1.75, 4.5, 7.25, 7.77, 10]);
  });

  it('the range reaches μ ± 3σ beyond the bars, but at most a quarter of their span', () => {
    const h = histogram(data([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const end = h.start + h.width * h.counts.length;
    expect(plotRange(h, theta([1], [5], [1]))).toEqual({ lo: 0, hi: end });
    expect(plotRange(h, theta([0.5, 0.5], [0.5, 9], [1, 1e6]))).toEqual({ lo: -0.25 * end, hi: 1.25 * end });
    expect(plotRange(h, theta([1], [1], [1])).lo).toBeCloseTo(-2, 12);
  });
});
