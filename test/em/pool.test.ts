/**
 * The pass pool's handling of misuse and of a worker that cannot take a job: an error, never
 * a wait for ever. The workers run compiled code, so this test uses the build (dist/), which
 * `npm test` makes first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
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
    // its message handler and end, and the main thread waited for its done flag for ever (in
    // Atomics.wait, which no test timeout interrupts): so the case runs in a child process
    // with a deadline, and a hang fails the test instead of the suite.
    const script = `
      import { PassPool } from '${pathToFileURL(join(ROOT, 'dist', 'em', 'pool.js')).href}';
      import { makeFamily } from '${pathToFileURL(join(ROOT, 'dist', 'models', 'registry.js')).href}';
      const x = Float64Array.from({ length: 20000 }, (_, i) => (i * 7919) % 1000 / 100);
      const pool = PassPool.create({ x, w: null, d: 1 }, 2);
      const family = makeFamily({ family: 'gaussian', k: 2, variance: 'unequal', floor: 1e-12 });
      const theta = family.create();
      theta.weight.set([0.4, 0.6]); theta.mean.set([2, 7]); theta.variance.set([1, 2]);
      const runner = pool.runner({ ...family, spec: { ...family.spec, family: 'no-such-family' } });
      try { runner.run(theta, new Float64Array(family.statsLength)); console.log('ran'); }
      catch (error) { console.log(error.message); }
      finally { runner.release(); await pool.close(); }
    `;
    // A file, not node -e: workers inherit the parent's execArgv, and would run the script too.
    const file = join(mkdtempSync(join(tmpdir(), 'em-fit-pool-')), 'broken-job.mjs');
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    expect(result.error, 'the pass waited for ever').toBeUndefined();
    expect(result.stdout.trim()).toBe('internal error in a worker thread');
  });
});
