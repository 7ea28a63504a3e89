/**
 * Heaping: the expected grids are the ones the test heaps its values on.
 */
import { describe, expect, it } from 'vitest';
import { detectHeaping } from '../../src/models/heaping.js';
import { compress } from '../../src/select/degenerate.js';
import { mulberry32 } from '../helpers/mixture.js';

/** n normal draws (mean 20, sd 3) rounded to 0.1, a share `heaped` of them to whole numbers. */
function heaped(n: number, share: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const v = 20 + 3 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
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

  it('counts weights as rows', () => {
    const x = heaped(1000, 0.2, 4);
    const compact = compress({ x, w: null });
    const twice = compress({ x, w: new Float64Array(x.length).fill(2) });
    expect(detectHeaping(twice, 0.1)?.grid).toBe(detectHeaping(compact, 0.1)?.grid);
  });
});
