/** Shared by the report tests: awkward doubles, what a Sink writes, and rows scored by a model. */
import { Writable } from 'node:stream';
import { Sink } from '../../src/io/sink.js';
import type { RowSet } from '../../src/report/rows.js';
import { rng } from '../../src/select/rng.js';

/** Doubles of every kind: integers, signed zeros, the exponent-notation thresholds, subnormals, extremes, random bits. */
export function awkwardNumbers(): number[] {
  const u = rng(20261130, 0);
  const edges = [0, -0, 1, -1, 2, 0.5, 1e-7, 9.999999999999999e-8, 1.0000000000000001e-7, 1e21, 9.999999999999999e20, 1e20, 123456789012345680000,
    5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2,
    0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, 1 - 2 ** -53, 2 ** -1074, 2 ** -1022, 1e-300, 1e300, 123.456, -0.000001];
  const values = [...edges];
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < 20000; i++) {
    words[0] = Math.floor(u() * 2 ** 32);
    words[1] = Math.floor(u() * 2 ** 32);
    if (Number.isFinite(bits[0])) values.push(bits[0]);
    values.push(u(), u() ** 20, 1 - u() * 1e-12, Math.round(u() * 1e6), (u() - 0.5) * 10 ** Math.floor(u() * 40 - 20));
  }
  return values;
}

/** What a Sink writes, as a string. */
export async function written(write: (sink: Sink) => Promise<void>): Promise<string> {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      parts.push(Buffer.from(chunk));
      done();
    },
  });
  await write(new Sink(stream));
  return Buffer.concat(parts).toString();
}

/** Rows scored by a 3-component model spread so that responsibilities take every kind of value, 0 and 1 among them. */
export function rowSet(x: Float64Array, skippedRecords: Int32Array = new Int32Array(0), logDensity = false): RowSet {
  const model = {
    spec: { family: 'gaussian' as const, k: 3, variance: 'unequal' as const, floor: 1e-12 },
    theta: { weight: Float64Array.of(0.5, 0.3, 0.2), mean: Float64Array.of(0, 6, 400), variance: Float64Array.of(1, 2.25, 4) },
  };
  return { model, labels: ['1', 'b,c', 'ü "3"'], x, skippedRecords, logDensity };
}

