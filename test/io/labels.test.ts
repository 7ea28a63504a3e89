import { describe, expect, it } from 'vitest';
import { labelOrder, sortLabels } from '../../src/io/labels.js';

const sorted = (names: string[]): string[] => labelOrder(names).map((i) => names[i]);

describe('label order', () => {
  it('is numeric when every label is a number', () => {
    expect(sorted(['10', '2', '1'])).toEqual(['1', '2', '10']);
    expect(sorted(['-1', '0.5', '-10'])).toEqual(['-10', '-1', '0.5']);
  });

  it('keeps numerically equal labels apart, ordered by their text', () => {
    expect(sorted(['1.0', '2', '1'])).toEqual(['1', '1.0', '2']);
  });

  it('is by code units as soon as one label is not a number', () => {
    expect(sorted(['10', '2', 'b', 'B', 'ä', 'a b'])).toEqual(['10', '2', 'B', 'a b', 'b', 'ä']);
  });

  it('renumbers codes to the sorted order', () => {
    const codes = Int32Array.from([0, 1, 2, 0]);
    expect(sortLabels(['b', 'c', 'a'], codes)).toEqual(['a', 'b', 'c']);
    expect([...codes]).toEqual([1, 2, 0, 1]);
  });
});
