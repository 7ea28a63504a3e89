/**
 * Heaping: the expected grids are the ones the test heaps its values on.
 */
import { describe, expect, it } from 'vitest';
import { detectHeaping } from '../../src/models/heaping.js';
import { compress } from '../../src/select/degenerate.js';
import { mulberry32, normal } from '../helpers/mixture.js';

/** n normal draws (mean 20, sd 3) rounded to 0.1, a share `heaped` of them to whole numbers. */
function heaped(n: number, share: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const v = 20 + 3 * normal(random);
    return random() < share ? Math.round(v) : Math.round(10 * v) / 10;
  });
}

describe('detectHeaping', () => {
  it('finds a fifth of the values heaped on whole numbers among tenths', () => {
    const heap = detectHeaping(compress({ x: heaped(1000, 0.2, 1), w: null }), 0.1);
    expect(heap?.grid).toBeCloseTo(1, 12);
    // Observed share on whole numbers: about 0.2 + 0.8·0.1 = 0.28; expected from the neighbours, about 0.08.
    expect(heap?.share).toBeGreaterThan(0.2);
    expect(heap?.expected).toBeLessThan(0.12);
  });

  it('finds nothing without heaping, nor on sparse data', () => {
    expect(detectHeaping(compress({ x: heaped(1000, 0, 2), w: null }), 0.1)).toBeNull();
    // 50 values spread over 600 grid points: no piles to measure.
    expect(detectHeaping(compress({ x: heaped(50, 0.2, 3).map((v) => v * 10), w: null }), 1)).toBeNull();
  });

  it('takes no narrow mode on a grid point for a heap', () => {
    // Whole numbers from one normal of sd 0.7 to 1.5 (the QA's round(rnorm(1000, 40, 1))): the
    // mode holds 2.7 times its neighbours' average at sd 1, which made a "heap" on multiples
    // of 10 (mean 40) or 5 (mean 45); their logs lie on a parabola, which predicts the mode.
    for (const [mean, sd] of [[40, 1], [40, 0.7], [40, 1.5], [0, 1], [45, 1], [10, 0.8]]) {
      for (const seed of [1, 2, 3]) {
        const random = mulberry32(seed);
        const x = Float64Array.from({ length: 1000 }, () => Math.round(mean + sd * normal(random)));
        expect(detectHeaping(compress({ x, w: null }), 1), `mean ${mean}, sd ${sd}, seed ${seed}`).toBeNull();
      }
    }
  });

  it('still finds a heap at the mode of a narrow density, standing above the parabola', () => {
    // sd 1.5 on whole numbers, a fifth of the values heaped on multiples of 5.
    const random = mulberry32(9);
    const x = Float64Array.from({ length: 2000 }, () => {
      const v = 40 + 1.5 * normal(random);
      return random() < 0.2 ? 5 * Math.round(v / 5) : Math.round(v);
    });
    // Only 40 holds a heap within the data's reach, so multiples of 10 describe it as well.
    expect([5, 10]).toContain(detectHeaping(compress({ x, w: null }), 1)?.grid);
  });

  it('counts weights as rows', () => {
    const x = heaped(1000, 0.2, 4);
    const compact = compress({ x, w: null });
    const twice = compress({ x, w: new Float64Array(x.length).fill(2) });
    expect(detectHeaping(twice, 0.1)?.grid).toBe(detectHeaping(compact, 0.1)?.grid);
  });
});
