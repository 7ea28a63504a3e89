import { describe, expect, it } from 'vitest';
import { parseDecimal, type ParsedNumber } from '../../src/io/number.js';

const parse = (text: string): ParsedNumber | null => {
  const out = { value: 0, decimals: 0 };
  return parseDecimal(text, out) ? out : null;
};

describe('parseDecimal', () => {
  it.each([
    ['3', 3, 0],
    ['-0', -0, 0],
    ['+2.5', 2.5, 1],
    ['.5', 0.5, 1],
    ['5.', 5, 0],
    ['1e-3', 0.001, 3],
    ['1.5E+2', 150, -1],
    ['2.50', 2.5, 2],
    ['  -4.4 ', -4.4, 1],
    ['\t7\t', 7, 0],
    ['0.000123', 0.000123, 6],
    ['1000000003.3', 1000000003.3, 1],
  ])('reads %j as %d with %d decimals', (text, value, decimals) => {
    expect(parse(text)).toEqual({ value, decimals });
  });

  it('agrees with Number() to the last bit, on the fast path and off it', () => {
    // Number() is correctly rounded; so is the fast path, so they must agree exactly.
    const cases = ['0.1', '0.2', '0.30000000000000004', '123456789012345', '1234567890123456789', '9007199254740993', '1.7976931348623157e308', '4.9e-324', '2.2250738585072014e-308', '8.589973e9', '1e22', '1e23', '3.14159265358979323846'];
    for (const text of cases) expect(parse(text)?.value).toBe(Number(text));
    for (let i = 0; i < 2000; i++) {
      const v = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 20 - 10);
      const text = v.toPrecision(1 + Math.floor(Math.random() * 17));
      expect(parse(text)?.value).toBe(Number(text));
    }
  });

  it.each(['', '   ', 'NaN', 'Infinity', '-Infinity', 'inf', '0x10', '1,5', '1_000', 'abc', '1e', '1e+', '.', '-', '+', '1 2', '--1', '1.2.3', '1e400', '-1e999', '١٢'])('rejects %j', (text) => {
    expect(parse(text)).toBeNull();
  });
});
