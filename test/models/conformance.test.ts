/**
 * The conformance suite: every registered family (src/models/registry.ts, FAMILY_NAMES),
 * the Gaussian included, built from its spec exactly as a fit builds it and run through the
 * one EM loop of src/em/em.ts, must
 *   - retrace an independent plain EM (test/helpers/naive-families.ts, which shares no code
 *     with src/) from the M-step on the same hard partition: ℓ at every iteration to 1e-12;
 *   - keep the EM chain ℓ(t−1) ≤ ELBO(t) ≤ ℓ(t) at every iteration;
 *   - give with integer frequency weights the fit of the duplicated rows;
 *   - give the same fit whatever the order of the rows;
 *   - map θ to free coordinates and back to itself (toFree/fromFree, SQUAREM's coordinates);
 *   - pass θ to worker threads exactly (toVector/fromVector).
 * Save → predict reproducing the fit runs from the command line, per family, in
 * test/cli/families.test.ts. A family added to the registry without a case here fails the
 * first test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drain, emSteps } from '../../src/em/em.js';
import { serialRunner } from '../../src/em/chunks.js';
import type { Data, MixtureParams } from '../../src/models/family.js';
import { FAMILY_NAMES, type FamilySpec, familySpec, makeFamily, startFromPartition } from '../../src/models/registry.js';
import { cases as familyCases, dataOf, RESOLUTION } from '../helpers/family-fixtures.js';
import {
  naiveByCase,
  type NaiveFamily,
  naiveFamilyEm,
  oneHot,
  type Params,
} from '../helpers/naive-families.js';
import { fixture } from '../helpers/cli.js';

/** The textbook Gaussian for the plain EM: N(x; μ, σ²), M-step the weighted mean and variance. */
const naiveGaussian: NaiveFamily = {
  names: ['mean', 'variance'],
  logf: (x, p, k) => -0.5 * Math.log(2 * Math.PI * p.variance[k]) - (x - p.mean[k]) ** 2 / (2 * p.variance[k]),
  mstep(x, w, tau) {
    const K = tau[0].length;
    const n = Array.from({ length: K }, (_, k) => x.reduce((a, _v, i) => a + w[i] * tau[i][k], 0));
    const total = n.reduce((a, b) => a + b, 0);
    const mean = n.map((nk, k) => x.reduce((a, v, i) => a + w[i] * tau[i][k] * v, 0) / nk);
    const variance = n.map((nk, k) => x.reduce((a, v, i) => a + w[i] * tau[i][k] * (v - mean[k]) ** 2, 0) / nk);
    return { weight: n.map((nk) => nk / total), mean, variance };
  },
};

/** Old Faithful's waiting times, cut at 68 minutes: the Gaussian's case. */
const faithful = fixture('faithful.csv');
const waiting = readColumn(faithful, 'waiting');

function readColumn(path: string, name: string): number[] {
  // The fixture is a plain CSV of numbers with a header.
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const col = lines[0].split(',').map((s) => s.replace(/"/g, '')).indexOf(name);
  return lines.slice(1).map((l) => Number(l.split(',')[col]));
}

interface Conformance {
  name: string;
  x: number[];
  labels: number[];
  spec: (k: number) => FamilySpec;
  naive: NaiveFamily;
  /** The plain start from the partition, when it is not the plain M-step on it (the t's u = 1 start). */
  naiveStart?: (x: number[], labels: number[], K: number) => Params;
}


/** The t's start from a partition: u = 1, each part's mean and standard deviation, ν = 10. */
function tStart(x: number[], labels: number[], K: number): Params {
  const n = Array.from({ length: K }, (_, k) => labels.filter((l) => l === k).length);
  const location = n.map((nk, k) => x.filter((_, i) => labels[i] === k).reduce((a, v) => a + v, 0) / nk);
  const scale = n.map((nk, k) => Math.sqrt(x.filter((_, i) => labels[i] === k).reduce((a, v) => a + (v - location[k]) ** 2, 0) / nk));
  return { weight: n.map((nk) => nk / x.length), location, scale, df: n.map(() => 10) };
}

const suite: Conformance[] = [
  {
    name: 'gaussian',
    x: waiting,
    labels: waiting.map((v) => (v < 68 ? 0 : 1)),
    spec: (k) => familySpec({ family: 'gaussian', variance: 'unequal' }, k, { floor: RESOLUTION ** 2 / 12, resolution: RESOLUTION, largest: 96 }),
    naive: naiveGaussian,
  },
  ...familyCases.map((c) => ({ name: c.name, x: c.x, labels: c.labels, spec: c.spec, naive: naiveByCase[c.name], ...(c.name.startsWith('t') ? { naiveStart: tStart } : {}) })),
];

const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/** EM through the engine from the M-step on the partition: the run, with its spec's family. */
function engineRun(spec: FamilySpec, data: Data, labels: Int32Array, maxIter: number, rtol = 0) {
  const family = makeFamily(spec, data);
  const start = startFromPartition(spec, data, labels);
  return drain(emSteps(family, serialRunner(family, data), start.theta, { maxIter, rtol, accel: 'none' }));
}

const asParams = (theta: MixtureParams): Params => Object.fromEntries(Object.entries(theta).map(([k, v]) => [k, [...(v as Float64Array)]]));

it('has a case for every registered family', () => {
  const covered = new Set(suite.map((c) => c.name.split(' ')[0]));
  expect(FAMILY_NAMES.filter((name) => !covered.has(name))).toEqual([]);
});

describe.each(suite)('$name conforms', (c) => {
  const K = 2;
  const data = dataOf(c.x);
  const labels = Int32Array.from(c.labels);

  it('retraces the independent plain EM: ℓ at every iteration to 1e-12', () => {
    const iterations = 20;
    const run = engineRun(c.spec(K), data, labels, iterations);
    const start = c.naiveStart ? c.naiveStart(c.x, c.labels, K) : c.naive.mstep(c.x, c.x.map(() => 1), oneHot(c.labels, K), {});
    const plain = naiveFamilyEm(c.naive, c.x, c.x.map(() => 1), start, iterations);
    expect(run.trace).toHaveLength(iterations + 1);
    run.trace.forEach((entry, t) => expect(rel(entry.loglik, plain.logliks[t])).toBeLessThan(1e-12));
  });

  it('keeps ℓ(t−1) ≤ ELBO(t) ≤ ℓ(t) at every iteration', () => {
    const run = engineRun(c.spec(K), data, labels, 200, 1e-12);
    for (let t = 1; t < run.trace.length; t++) {
      const slack = 1e-11 * Math.abs(run.trace[t].loglik);
      expect(run.trace[t - 1].loglik).toBeLessThanOrEqual((run.trace[t].elbo as number) + slack);
      expect(run.trace[t].elbo as number).toBeLessThanOrEqual(run.trace[t].loglik + slack);
    }
  });

  it('gives with integer weights the fit of the duplicated rows', () => {
    // 80 rows spread over the data, weights 1, 2, 3 in turn; the duplicated data repeat each row
    // that often. (The first 80 rows of the Poisson's sorted counts are all 0: ℓ ≈ 0 there, and
    // its relative rounding is no test of the weights.)
    const stride = Math.max(1, Math.floor(c.x.length / 80));
    const rows = Array.from({ length: Math.min(80, c.x.length) }, (_, i) => i * stride);
    const x = rows.map((i) => c.x[i]);
    const w = x.map((_, i) => 1 + (i % 3));
    const part = rows.map((i) => c.labels[i]);
    if (new Set(part).size < K) part[0] = 1 - part[1];
    const weighted = engineRun(c.spec(K), dataOf(x, w), Int32Array.from(part), 15);
    const dx = x.flatMap((v, i) => Array(w[i]).fill(v));
    const dl = part.flatMap((l, i) => Array(w[i]).fill(l));
    const duplicated = engineRun(c.spec(K), dataOf(dx), Int32Array.from(dl), 15);
    // A run stops once ℓ repeats to the last bit (rtol 0), which one of the two may reach a step earlier.
    const steps = Math.min(weighted.trace.length, duplicated.trace.length);
    expect(steps).toBeGreaterThan(5);
    for (let t = 0; t < steps; t++) expect(rel(weighted.trace[t].loglik, duplicated.trace[t].loglik)).toBeLessThan(1e-12);
    const a = asParams(weighted.theta);
    const b = asParams(duplicated.theta);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(v, b[name][k])).toBeLessThan(1e-9));
  });

  it('gives the same fit whatever the order of the rows', () => {
    const order = c.x.map((_, i) => i).reverse();
    const forward = engineRun(c.spec(K), data, labels, 15);
    const backward = engineRun(c.spec(K), dataOf(order.map((i) => c.x[i])), Int32Array.from(order.map((i) => c.labels[i])), 15);
    forward.trace.forEach((entry, t) => expect(rel(entry.loglik, backward.trace[t].loglik)).toBeLessThan(1e-12));
    const a = asParams(forward.theta);
    const b = asParams(backward.theta);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(v, b[name][k])).toBeLessThan(1e-9));
  });

  // Free coordinates (SQUAREM's) come back to within rounding; the vector shared with worker
  // threads to the last bit, or a fit would depend on the number of threads.
  it.each([
    ['maps θ to free coordinates and back to itself', 'free', 1e-13],
    ['passes θ to worker threads as it is (toVector/fromVector), to the last bit', 'vector', 0],
  ] as const)('%s', (_, coordinates, tolerance) => {
    const spec = c.spec(K);
    const family = makeFamily(spec, data);
    const run = engineRun(spec, data, labels, 10);
    const flat = new Float64Array(family.paramsLength);
    const back = family.create();
    if (coordinates === 'free') {
      family.toFree(run.theta, flat);
      family.fromFree(flat, back);
    } else {
      family.toVector(run.theta, flat);
      family.fromVector(flat, back);
    }
    const a = asParams(run.theta);
    const b = asParams(back);
    for (const name of Object.keys(a)) a[name].forEach((v, k) => expect(rel(v, b[name][k]), `${name}[${k}]`).toBeLessThanOrEqual(tolerance));
  });
});
