/**
 * The fit follows affine changes of the data's units. For x' = a·x + b the likelihood of a
 * Gaussian mixture satisfies p'(x') = p(x)/|a| with μ' = aμ + b, σ'² = a²σ² and the same
 * weights, and the responsibilities are unchanged, so EM from the transformed partition
 * must give the transformed fit with ℓ' = ℓ − n ln|a|, provided the variance floor is
 * transformed too (floor' = a²·floor). The core is checked with an explicit floor; the
 * CLI, whose floor comes from the decimals written, with the data written in scaled
 * notation ("-3.3e12"), which scales the floor by itself.
 *
 * A shift by 10⁹ is the shifted-data algorithm's test: the naive Σx²/N − x̄² would lose
 * all of a unit-variance component's digits to cancellation at that offset.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GaussianMixture } from '../../src/models/gaussian.js';
import { noteText } from '../../src/report/notes.js';
import type { Fit } from '../../src/select/fit.js';
import { emFit } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';
import { nonFiniteNumbers } from '../helpers/run.js';
import { fitPartition, PARTITION1, PARTITION2, VAR } from '../helpers/seed.js';

const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

interface Dataset {
  name: string;
  x: number[];
  labels: number[];
  /** The floor of the untransformed data: δ²/12 for the decimals written. */
  floor: number;
}

const mean3 = [0, 4, 9];
const mixture = sampleMixture(300, [0.5, 0.3, 0.2], mean3, [1, 1.5, 0.7], 101, 2).x;
const DATASETS: Dataset[] = [
  { name: 'seed, partition1', x: VAR, labels: PARTITION1, floor: 0.01 / 12 },
  { name: 'seed, partition2', x: VAR, labels: PARTITION2, floor: 0.01 / 12 },
  // Label 3 is a single row: its variance sits on the floor, so the floor's scaling shows.
  { name: 'seed, a singleton label', x: VAR, labels: [1, 1, 1, 2, 2, 2, 2, 2, 1, 3], floor: 0.01 / 12 },
  { name: 'generated, 3 components', x: mixture, labels: roughPartition(mixture, mean3, 0.3, 102), floor: 1e-4 / 12 },
];

/**
 * A fixed number of plain EM iterations (rtol 0), short of where ℓ stops changing in double
 * precision: both fits then take the same steps and can be compared to rounding. Run to
 * convergence instead, two fits stop wherever ℓ goes flat, which ℓ's second-order
 * flatness pins only to about √ε ≈ 1e-8 in the parameters (see `settled`).
 */
const ITERATIONS = 40;

function fit(x: number[], labels: number[], floor: number): Fit<GaussianMixture> {
  const result = fitPartition(x, labels, { maxIter: ITERATIONS, rtol: 0, floor });
  expect(result.iterations).toBe(ITERATIONS);
  return result;
}

/** Plain EM until ℓ stops changing at all in double precision (rtol 0). */
const settled = (x: number[], labels: number[], floor: number): Fit<GaussianMixture> => fitPartition(x, labels, { maxIter: 5000, rtol: 0, floor });

/** Checks that `after` is `before` in units x' = a·x + b, to `tol` (relative, or absolute in σ for means). */
function expectTransformed(before: Fit<GaussianMixture>, after: Fit<GaussianMixture>, a: number, b: number, n: number, tol: { mean: number; other: number }): void {
  const k = before.labels.length;
  expect(after.labels).toEqual(before.labels);
  for (let j = 0; j < k; j++) {
    const sd = Math.sqrt(before.theta.variance[j]);
    expect(Math.abs(after.theta.weight[j] - before.theta.weight[j]), `weight ${j}`).toBeLessThan(tol.other);
    // |μ' − (aμ + b)| in units of the component's transformed sd.
    expect(Math.abs(after.theta.mean[j] - (a * before.theta.mean[j] + b)) / (Math.abs(a) * sd), `mean ${j}`).toBeLessThan(tol.mean);
    expect(rel(after.theta.variance[j], a * a * before.theta.variance[j]), `variance ${j}`).toBeLessThan(tol.other);
  }
  expect(rel(after.loglik, before.loglik - n * Math.log(Math.abs(a))), 'loglik').toBeLessThan(tol.other);
  expect(rel(after.floor.floor, a * a * before.floor.floor), 'floor').toBeLessThan(1e-15);
}

describe('scaling x·a (core, floor·a²)', () => {
  describe.each(DATASETS)('$name', ({ x, labels, floor }) => {
    it.each([1e-9, 1e12, -1, -2.5e-3])('a = %d: means, sds and ℓ follow, weights stay', (a) => {
      const base = fit(x, labels, floor);
      const scaled = fit(
        x.map((v) => v * a),
        labels,
        floor * a * a,
      );
      // Only the rounding of x·a and of the arithmetic differs: relative 1e-9 is generous.
      expectTransformed(base, scaled, a, 0, x.length, { mean: 1e-12, other: 1e-12 });
      for (let t = 0; t < base.trace.length; t++) {
        expect(rel(scaled.trace[t].loglik, base.trace[t].loglik - x.length * Math.log(Math.abs(a)))).toBeLessThan(1e-12);
      }
    });
  });

  it('a floor that binds is the scaled floor, exactly where it bound before', () => {
    const { x, labels, floor } = DATASETS[2];
    const base = fit(x, labels, floor);
    const scaled = fit(
      x.map((v) => v * 1e-9),
      labels,
      floor * 1e-18,
    );
    expect(base.theta.variance[2]).toBe(floor);
    expect(scaled.theta.variance[2]).toBe(floor * 1e-18);
    expect(base.notes.map(noteText).some((w) => w.includes('held at the floor'))).toBe(true);
    expect(scaled.notes.length).toBe(base.notes.length);
  });
});

describe('shifting x + 1e9 (core)', () => {
  describe.each(DATASETS)('$name', ({ x, labels, floor }) => {
    it('means move by 1e9; variances, weights and ℓ stay', () => {
      const shifted = x.map((v) => v + 1e9);
      // x + 1e9 is rounded to the doubles' spacing there (2^-23 ≈ 1.2e-7). Subtracting 1e9
      // again is exact (Sterbenz), so the fit of `back` sees exactly the data the shifted fit
      // sees: what remains between the two fits is the arithmetic at 1e9 alone. The means
      // themselves are held at 1e9 to 1.2e-7, so the fits cannot agree to rounding; run to
      // the fixed point, where EM contracts, they agree to a few of those units. (On the way
      // there a component collapsing fast amplifies them to 1e-5: compare settled fits.)
      const back = shifted.map((v) => v - 1e9);
      const base = settled(back, labels, floor);
      const moved = settled(shifted, labels, floor);
      expectTransformed(base, moved, 1, 1e9, x.length, { mean: 1e-5, other: 1e-6 });
      // Against the unrounded data, the rounding of the input (≤ 6e-8 per value) adds to that.
      expectTransformed(settled(x, labels, floor), moved, 1, 1e9, x.length, { mean: 1e-5, other: 1e-5 });
    });
  });
});

describe('duplicated points', () => {
  it.each(DATASETS)('$name, every row twice: the same parameters, ℓ doubled', ({ x, labels, floor }) => {
    const once = fit(x, labels, floor);
    const twice = fit([...x, ...x], [...labels, ...labels], floor);
    expectTransformed(once, { ...twice, loglik: twice.loglik / 2 }, 1, 0, 0, { mean: 1e-12, other: 1e-12 });
  });

  it('heavily tied data (5 distinct values in 200 rows) fit without NaN', () => {
    const values = [1, 2, 3, 10, 11];
    const x = Array.from({ length: 200 }, (_, i) => values[(i * 7) % 5]);
    const labels = x.map((v, i) => (v < 5 ? 1 : 2) + (i % 10 === 0 ? 1 : 0));
    const result = settled(x, labels, 1 / 12);
    expect(result.theta.weight.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
    for (const v of [...result.theta.weight, ...result.theta.mean, ...result.theta.variance, result.loglik, result.bic, result.entropy]) {
      expect(Number.isFinite(v)).toBe(true);
    }
    for (const v of result.theta.variance) expect(v).toBeGreaterThanOrEqual(1 / 12);
  });
});

describe('through the CLI: scaled notation scales the floor too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-invariance-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, values: string[], labels: number[]): string => {
    const path = join(dir, name);
    writeFileSync(path, `x,g\n${values.map((v, i) => `${v},${labels[i]}`).join('\n')}\n`);
    return path;
  };
  const run = (path: string, ...extra: string[]) => {
    const result = emFit([path, '--var', 'x', '--init', 'g', '--max-iter', String(ITERATIONS), '--rtol', '0', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return result;
  };
  const json = (path: string): Record<string, any> => {
    const out = JSON.parse(run(path, '--json').stdout) as Record<string, any>;
    expect(nonFiniteNumbers(out)).toEqual([]);
    return out;
  };
  // Values of the seed written with one decimal, and in e-notation carrying the same digits.
  const singleton = [1, 1, 1, 2, 2, 2, 2, 2, 1, 3];
  let base: Record<string, any> = {};
  beforeAll(() => {
    base = json(write('plain.csv', VAR.map((v) => v.toFixed(1)), singleton));
  });

  it.each([
    ['x·1e12', VAR.map((v) => `${v}e12`), 1e12, 0],
    ['x·1e-9', VAR.map((v) => `${v}e-9`), 1e-9, 0],
    ['x + 1e9', VAR.map((v) => (1e9 + Math.round(v * 10) / 10).toFixed(1)), 1, 1e9],
  ])('%s', (name, values, a, b) => {
    const out = json(write(`${name.replace(/\W/g, '_')}.csv`, values, singleton));
    expect(rel(out.variance_floor, a * a * base.variance_floor)).toBeLessThan(1e-15);
    expect(rel(out.resolution, Math.abs(a) * base.resolution)).toBeLessThan(1e-15);
    const tol = b === 0 ? 1e-12 : 1e-6;
    out.components.forEach((c: any, j: number) => {
      const c0 = base.components[j];
      expect(c.label).toBe(c0.label);
      expect(Math.abs(c.weight - c0.weight)).toBeLessThan(tol);
      expect(Math.abs(c.mean - (a * c0.mean + b)) / (a * c0.sd)).toBeLessThan(b === 0 ? 1e-12 : 1e-5);
      expect(rel(c.sd, a * c0.sd)).toBeLessThan(tol);
    });
    expect(rel(out.loglik, base.loglik - out.n * Math.log(a))).toBeLessThan(tol);
    expect(out.warnings.some((w: string) => w.includes('held at the floor'))).toBe(true);
    out.responsibilities.forEach((row: number[], i: number) => {
      row.forEach((r, j) => expect(Math.abs(r - base.responsibilities[i][j])).toBeLessThan(1e-6));
    });
    // Nor do the other formats print a number that is not one.
    for (const format of ['text', 'csv']) {
      expect(run(write(`${name.replace(/\W/g, '_')}-${format}.csv`, values, singleton), '--format', format).stdout).not.toMatch(/NaN|Infinity|undefined|null/);
    }
  });
});
