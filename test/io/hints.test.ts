/** The hints of error messages (src/io/hints.ts). */
import { describe, expect, it } from 'vitest';
import { closest, editDistance, headerHint, missingColumn, numberHint } from '../../src/io/hints.js';

describe('did you mean', () => {
  it('edit distance counts a swap of neighbours as one edit', () => {
    expect(editDistance('waiting', 'waiting')).toBe(0);
    expect(editDistance('waitnig', 'waiting')).toBe(1);
    expect(editDistance('wating', 'waiting')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('closest: case and spaces first, then few edits, never a one-letter guess', () => {
    expect(closest('Waiting', ['eruptions', 'waiting'])).toBe('waiting');
    expect(closest(' waiting ', ['waiting'])).toBe('waiting');
    expect(closest('eruption', ['eruptions', 'waiting'])).toBe('eruptions');
    expect(closest('y', ['x', 'g'])).toBeNull();
    expect(closest('duration', ['eruptions', 'waiting'])).toBeNull();
  });
});

describe('what the first line says', () => {
  it('another delimiter: the one under which the column is there, else one that splits the line', () => {
    expect(headerHint(['x;g'], ',', 'x')).toBe("; the first line is separated by semicolons: give -d ';'");
    expect(headerHint(['x\tg'], ',', 'x')).toBe('; the first line is separated by tabs: give -d tab');
    expect(headerHint(['x,g'], ';', 'x')).toBe('; the first line is separated by commas: give -d ,');
    expect(headerHint(['a;b'], ',', 'x')).toBe("; the first line is separated by semicolons: give -d ';'");
  });

  it('no header: every field a number', () => {
    expect(headerHint(['79', '3.6'], ',', 'waiting')).toContain('give --no-header');
    expect(headerHint(['79', 'a'], ',', 'waiting')).toBe('');
  });

  it('the message suggests a near column instead of listing them all', () => {
    expect(missingColumn('Waiting', '--var', ['waiting'], ',')).toBe('no column named "Waiting" (--var); did you mean "waiting"?');
    expect(missingColumn('x', '--var', ['a;b'], ',')).toBe('no column named "x" (--var); the columns are "a;b"; the first line is separated by semicolons: give -d \';\'');
  });

  it('a decimal comma without --decimal-comma, a point with it', () => {
    expect(numberHint('1,5', false)).toBe('; for numbers with a decimal comma, give --decimal-comma');
    // In a file separated by commas, --decimal-comma alone would read ";" between fields.
    expect(numberHint('1,5', false, ',')).toBe('; for numbers with a decimal comma, give --decimal-comma -d ,');
    expect(numberHint('-0,25e3', false)).toContain('--decimal-comma');
    expect(numberHint('1,234,5', false)).toBe('');
    expect(numberHint('1.5', true)).toContain('a point is not allowed');
  });
});
