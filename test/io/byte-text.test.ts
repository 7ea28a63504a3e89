/**
 * ByteText.integer writes a row number's digits straight into the bytes: it must be exactly
 * what String() writes (the JSON report's `row` array was written through String before).
 */
import { describe, expect, it } from 'vitest';
import { ByteText } from '../../src/io/sink.js';
import { mulberry32 } from '../../src/select/rng.js';

describe('ByteText.integer', () => {
  it('writes what String() writes, for edge and random integers and what is not one', () => {
    const values = [0, 1, 9, 10, 11, 99, 100, 101, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, -3, 1e21];
    for (let p = 1; p <= 15; p++) values.push(10 ** p - 1, 10 ** p, 10 ** p + 1);
    const random = mulberry32(3);
    for (let i = 0; i < 10_000; i++) values.push(Math.floor(random() * 10 ** Math.floor(random() * 16)));
    const out = new ByteText(16);
    for (const v of values) {
      out.integer(v);
      out.byte(0x2c);
    }
    expect(out.take().toString('latin1')).toBe(values.map((v) => `${String(v)},`).join(''));
  });
});
