/** Numbers in the reports: as String() writes them, for doubles of every kind. */
import { describe, expect, it } from 'vitest';
import { numberText } from '../../src/report/format.js';
import { awkwardNumbers } from '../helpers/report.js';

describe('numberText', () => {
  it('writes every double as String() does', () => {
    for (const v of awkwardNumbers()) expect(numberText(v)).toBe(String(v));
  });
});

