/**
 * The pass pool's handling of misuse and of a worker that cannot take a job: an error, never
 * a wait for ever. The workers run compiled code, so this test uses the build (dist/), which
 * `npm test` makes first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PassPool } from '../../dist/em/pool.js';
import { serialRunner } from '../../dist/em/chunks.js';
import { makeFamily } from '../../dist/models/registry.js';
import { mulberry32 } from '../helpers/mixture.js';

const random = mulberry32(7);
const x = Float64Array.from({ length: 20_000 }, () => random() * 10);
const data = { x, w: null, d: 1 };
const pool = PassPool.create(data, 2);
afterAll(() => pool.close());

const family = makeFamily({ family: 'gaussian', k: 2, variance: 'unequal', floor: 1e-12 }, data);
const theta = family.create();
theta.weight.set([0.4, 0.6]);
(theta as unknown as { mean: Float64Array }).mean.set([2, 7]);
(theta as unknown as { variance: Float64Array }).variance.set([1, 2]);

describe('PassPool', () => {
  it('gives a pass the same statistics as the serial runner, to the bit', () => {
    // The pool adds the chunks' statistics in chunk order, as the serial runner does.
    const serial = serialRunner(family, data);
    const expected = new Float64Array(family.statsLength);
    serial.run(theta, expected);
    serial.release();
    const runner = pool.runner(family);
    const stats = new Float64Array(family.statsLength);
    try {
      runner.run(theta, stats);
    } finally {
      runner.release();
    }
    expect(stats).toEqual(expected);
  });

  it('refuses a second runner while the first holds the workers', () => {
    const first = pool.runner(family);
    try {
      expect(() => pool.runner(family)).toThrow(/before the last was released/);
      expect(() => pool.prefix(100).runner(family)).toThrow(/before the last was released/);
    } finally {
      first.release();
    }
    // Released, the pool serves the next.
    const next = pool.runner(family);
    next.release();
  });

  it('fails a pass, instead of waiting for ever, when a worker cannot set up the job', () => {
    // The worker rebuilds the family from its spec; one it cannot build made it throw out of
    // its message handler and end, and the main thread waited for its done flag for ever.
    const broken = { ...family, spec: { ...family.spec, family: 'no-such-family' } } as unknown as typeof family;
    const runner = pool.runner(broken);
    try {
      expect(() => runner.run(theta, new Float64Array(family.statsLength))).toThrow(/internal error in a worker thread/);
    } finally {
      runner.release();
    }
  });
});
